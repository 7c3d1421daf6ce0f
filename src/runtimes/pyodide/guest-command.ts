/**
 * The command line of a Pyodide sandbox process, as data. Each flag is a restriction:
 *
 * - Node's permission model: file reads only of the runtime's files and the policy's mounts;
 *   no file writes, child processes, worker threads, native addons or WASI (nothing is granted).
 * - `--disallow-code-generation-from-strings`: `eval` and `new Function` throw, so the classic
 *   `proxy.constructor.constructor('return process')()` escape from Python gets no code to run.
 * - A bounded JavaScript heap: the guest's realm cannot grow it without limit (the Python heap is
 *   capped separately, inside the sandbox).
 *
 * @module
 */
import type { ResolvedMount } from '../../policy/resolve-policy.js'
import type { PyodideRuntimeFiles } from './runtime-files.js'

/** JavaScript heap of a sandbox besides the Python heap: Pyodide itself uses about 30 MB. */
const MIN_JS_HEAP_MB = 256

export interface GuestCommandOptions {
  files: PyodideRuntimeFiles
  mounts: readonly ResolvedMount[]
  memoryMb: number
  /** Node ≥ 22.13 and 23.5 name the flag `--permission`; Node 20 only knows the experimental name. */
  permissionFlag: '--permission' | '--experimental-permission'
}

export function buildGuestArgs(options: GuestCommandOptions): string[] {
  const { files, mounts } = options
  const readable = [
    `${files.pyodideDir}/`,
    `${files.distDir}/`,
    ...mounts.map((mount) => (mount.kind === 'directory' ? `${mount.hostPath}/` : mount.hostPath)),
  ]
  return [
    options.permissionFlag,
    ...readable.map((path) => `--allow-fs-read=${path}`),
    '--disallow-code-generation-from-strings',
    `--max-old-space-size=${Math.max(MIN_JS_HEAP_MB, options.memoryMb)}`,
    '--no-warnings',
    files.guestEntry,
    files.pyodideDir,
  ]
}

/** The permission flag this Node understands. */
export function detectPermissionFlag(): GuestCommandOptions['permissionFlag'] {
  return process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission'
}
