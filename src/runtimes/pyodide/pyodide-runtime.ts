/**
 * The default runtime: CPython compiled to WebAssembly (Pyodide), one Node process per sandbox,
 * started from a memory snapshot of the interpreter when one can be trusted (snapshot-start.ts).
 *
 * @module
 */
import { detectHostSupport } from '../../isolation/host-support.js'
import type { Runtime } from '../runtime.js'
import { SandboxConnection, SandboxStartFailed } from '../sandbox-connection.js'
import { SandboxSession } from '../sandbox-session.js'
import { pyodideLaunch } from './pyodide-launch.js'
import { chooseStart, refuseSnapshot } from './snapshot-start.js'

export const pyodideRuntime: Runtime = {
  start: (policy, options = {}) =>
    SandboxSession.start(
      policy,
      { runtime: 'pyodide', exitIsInterpreterExit: false },
      async (onBreach) => {
        // The host's probe (its first time: ~50-100 ms of processes) runs while the snapshot is
        // looked up and verified.
        if (policy.isolation !== 'none') void detectHostSupport()
        const from = await chooseStart(policy)
        const warmUp = options.warmUp ?? false
        return SandboxConnection.open(pyodideLaunch(policy, from, warmUp), onBreach).catch(
          (error: unknown) => {
            // Only the sandbox's own report that it could not start from the snapshot (its
            // content was not the recorded one, or Pyodide could not restore it) is the
            // snapshot's fault.
            if (
              from.kind !== 'restore' ||
              !(error instanceof SandboxStartFailed && error.loading)
            ) {
              throw error
            }
            refuseSnapshot(from.file, error.message)
            return SandboxConnection.open(pyodideLaunch(policy, { kind: 'cold' }, warmUp), onBreach)
          },
        )
      },
    ),
}
