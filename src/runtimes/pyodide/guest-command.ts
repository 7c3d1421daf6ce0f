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

/**
 * Starts the sandbox through `/bin/sh`, only to set two resource limits before it execs Node
 * (Node cannot set a child's limits): no core dumps (a crashing sandbox would otherwise leave its
 * memory in a file: measured, 450 MB written at / as root) and no file growth (the sandbox writes
 * no file; should a way to create one be found, the file stays empty). Without a shell, the
 * command is returned as it is.
 */
export function withResourceLimits(
  shell: string | null,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  if (shell === null) return { command, args: [...args] }
  return {
    command: shell,
    args: ['-c', 'ulimit -c 0 && ulimit -f 0 && exec "$0" "$@"', command, ...args],
  }
}
