/**
 * The default runtime: CPython compiled to WebAssembly (Pyodide), one Node process per sandbox.
 *
 * @module
 */
import type { Runtime } from '../runtime.js'
import { PyodideSession } from './pyodide-session.js'

export const pyodideRuntime: Runtime = {
  start: (policy, options) => PyodideSession.start(policy, options),
}
