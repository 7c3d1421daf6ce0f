/**
 * The native runtime: the host's CPython (or a configured interpreter and site-packages), with
 * its C extensions and at full speed, as an untrusted guest inside every OS layer. Same protocol,
 * session and results as the Pyodide runtime; see native-launch.ts for its root and limits.
 *
 * @module
 */
import type { Runtime } from '../runtime.js'
import { SandboxConnection } from '../sandbox-connection.js'
import { SandboxSession } from '../sandbox-session.js'
import { nativeLaunch } from './native-launch.js'

export const nativeRuntime: Runtime = {
  // Nothing to warm up: a native interpreter runs at full speed from its first instruction.
  start: (policy) =>
    SandboxSession.start(
      policy,
      { runtime: 'native', exitIsInterpreterExit: true },
      async (onBreach) => SandboxConnection.open(await nativeLaunch(policy), onBreach),
    ),
}
