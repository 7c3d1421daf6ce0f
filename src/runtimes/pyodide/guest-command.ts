/**
 * The command line of a Pyodide sandbox process, as data, in either of its two places: confined
 * (inside bubblewrap, where the runtime's files and the mounts sit at fixed sandbox paths that say
 * nothing of the host's layout) or directly on the host. Each flag is a restriction:
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
import type { ReadOnlyBind } from '../../isolation/bwrap-args.js'
import type { ConfinedProgram, HostProgram } from '../../isolation/launch-plan.js'
import { SANDBOX_TMP_BYTES } from '../../policy/limits.js'
import type { ResolvedMount } from '../../policy/resolve-policy.js'
import type { PyodideRuntimeFiles } from './runtime-files.js'

/** JavaScript heap of a sandbox besides the Python heap: Pyodide itself uses about 30 MB. */
const MIN_JS_HEAP_MB = 256

/** libuv's worker threads run on after a run returns; one is all the sandbox may have. */
const NODE_ENV = { UV_THREADPOOL_SIZE: '1' }

/** Where the sandbox's Node finds its files. */
export interface GuestLayout {
  pyodideDir: string
  distDir: string
  guestEntry: string
  /** Each mount's host path as the sandbox's Node sees it, in policy order. */
  mountPaths: string[]
  /** The memory snapshot the interpreter starts from, if any. */
  snapshotPath: string | null
}

/** Fixed places inside a confined sandbox. */
const SANDBOX_PACKAGE_ROOT = '/opt/pyward'
const SANDBOX_PYODIDE_DIR = '/opt/pyodide'
const SANDBOX_MOUNTS_DIR = '/run/mounts'
const SANDBOX_SNAPSHOT = `${SANDBOX_PACKAGE_ROOT}/pyodide.snapshot`

export interface GuestCommandOptions {
  files: PyodideRuntimeFiles
  mounts: readonly ResolvedMount[]
  memoryMb: number
  /** The verified snapshot file on the host to start from, or null for a cold start. */
  snapshotFile: string | null
  /** Node ≥ 22.13 and 23.5 name the flag `--permission`; Node 20 only knows the experimental name. */
  permissionFlag: '--permission' | '--experimental-permission'
}

/** The files as they are on the host. */
export function hostLayout(options: GuestCommandOptions): GuestLayout {
  const { files, mounts } = options
  return {
    ...files,
    mountPaths: mounts.map((mount) => mount.hostPath),
    snapshotPath: options.snapshotFile,
  }
}

/** The files at fixed sandbox paths, and the read-only binds that put them there. */
export function sandboxLayout(options: GuestCommandOptions): {
  layout: GuestLayout
  binds: ReadOnlyBind[]
} {
  const { files, mounts } = options
  const distDir = `${SANDBOX_PACKAGE_ROOT}/dist`
  const layout: GuestLayout = {
    pyodideDir: SANDBOX_PYODIDE_DIR,
    distDir,
    guestEntry: `${distDir}/${files.guestEntry.slice(files.distDir.length + 1)}`,
    mountPaths: mounts.map((_, index) => `${SANDBOX_MOUNTS_DIR}/${index}`),
    snapshotPath: options.snapshotFile === null ? null : SANDBOX_SNAPSHOT,
  }
  const binds: ReadOnlyBind[] = [
    { hostPath: files.pyodideDir, sandboxPath: layout.pyodideDir },
    { hostPath: files.distDir, sandboxPath: layout.distDir },
    // Node reads the nearest package.json to learn that dist's .js files are ES modules.
    { hostPath: files.packageJson, sandboxPath: `${SANDBOX_PACKAGE_ROOT}/package.json` },
    ...mounts.map((mount, index) => ({
      hostPath: mount.hostPath,
      sandboxPath: layout.mountPaths[index] as string,
    })),
  ]
  if (options.snapshotFile !== null) {
    binds.push({ hostPath: options.snapshotFile, sandboxPath: SANDBOX_SNAPSHOT })
  }
  return { layout, binds }
}

export function buildGuestArgs(options: GuestCommandOptions, layout: GuestLayout): string[] {
  const readable = [
    `${layout.pyodideDir}/`,
    `${layout.distDir}/`,
    ...options.mounts.map((mount, index) => {
      const path = layout.mountPaths[index] as string
      return mount.kind === 'directory' ? `${path}/` : path
    }),
    ...(layout.snapshotPath === null ? [] : [layout.snapshotPath]),
  ]
  return [
    options.permissionFlag,
    ...readable.map((path) => `--allow-fs-read=${path}`),
    '--disallow-code-generation-from-strings',
    `--max-old-space-size=${Math.max(MIN_JS_HEAP_MB, options.memoryMb)}`,
    '--no-warnings',
    layout.guestEntry,
    layout.pyodideDir,
  ]
}

/** The sandbox's program, confined or on the host. */
export function buildGuestProgram(
  options: GuestCommandOptions,
  confined: boolean,
): ConfinedProgram | HostProgram {
  if (!confined) {
    const { files, mounts } = options
    return {
      executable: process.execPath,
      args: buildGuestArgs(options, hostLayout(options)),
      env: NODE_ENV,
      reads: [
        files.pyodideDir,
        files.distDir,
        files.packageJson,
        ...mounts.map((mount) => mount.hostPath),
        ...(options.snapshotFile === null ? [] : [options.snapshotFile]),
      ],
    }
  }
  const { layout, binds } = sandboxLayout(options)
  return {
    executable: process.execPath,
    args: buildGuestArgs(options, layout),
    binds,
    tmpfs: [{ sandboxPath: '/tmp', sizeBytes: SANDBOX_TMP_BYTES }],
    env: NODE_ENV,
  }
}

/** The permission flag this Node understands. */
export function detectPermissionFlag(): GuestCommandOptions['permissionFlag'] {
  return process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission'
}
