/**
 * Sandbox processes must not outlive the host process. When the host exits normally or on an
 * uncaught exception, Node emits 'exit' and every sandbox still alive is killed then. (A host
 * killed by a signal emits nothing: an idle sandbox then ends itself when fd 3 closes, a busy one
 * when it next polls; the OS layer's die-with-parent makes that immediate.)
 *
 * This is the one piece of process-wide state in pyward, on purpose: the 'exit' event is
 * process-wide too, and one listener for all sandboxes avoids a listener per sandbox.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process'

const live = new Set<ChildProcess>()
let listening = false

/** Kills `child` if the host exits while it is alive. */
export function killOnHostExit(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (listening) return
  listening = true
  process.once('exit', () => {
    for (const sandbox of live) sandbox.kill('SIGKILL')
  })
}
