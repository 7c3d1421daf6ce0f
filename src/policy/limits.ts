/**
 * Defaults and bounds of the policy, in one place so the schema, the docs and `--help` agree.
 *
 * @module
 */

/** Wall-clock limit of one run. */
export const DEFAULT_TIMEOUT_MS = 5_000
export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1_000

/**
 * Memory for the Python heap (the WebAssembly memory). Pyodide needs about 30 MiB to start, and
 * wasm32 cannot address more than 4 GiB.
 */
export const DEFAULT_MEMORY_MB = 200
export const MIN_MEMORY_MB = 64
export const MAX_MEMORY_MB = 4_095

/**
 * A sandbox process as a whole (Node, Pyodide, the Python heap, the files, the guest's JavaScript
 * buffers) is killed past 2 × memoryMb plus this: Node and Pyodide alone take about 190 MB.
 */
export const SANDBOX_PROCESS_OVERHEAD_MB = 320

/** Resident memory past which a sandbox process is killed, for a given `memoryMb`. */
export function processMemoryLimitMb(memoryMb: number): number {
  return 2 * memoryMb + SANDBOX_PROCESS_OVERHEAD_MB
}

/** Captured bytes kept per stream (stdout and stderr each). */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024
export const MAX_MAX_OUTPUT_BYTES = 64 * 1024 * 1024

/** Bytes of the JSON of the last expression's value (or of `call()`'s return). */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
export const MAX_MAX_VALUE_BYTES = 32 * 1024 * 1024

/** Bytes of one file moved in or out of the sandbox, and of all initial `files` together. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024

export const MIN_RECURSION_LIMIT = 50
export const MAX_RECURSION_LIMIT = 100_000

/** The sandbox's private writable directory: Python's working directory. */
export const SCRATCH_DIR = '/sandbox'

/** Default place of a mount whose sandbox path is not given: `/mnt/<basename of the host path>`. */
export const DEFAULT_MOUNT_ROOT = '/mnt'

/**
 * What the OS layers give one sandbox process besides its memory (see docs/isolation.md): tasks
 * (processes and threads: Node needs about a dozen), open files, the size of its /tmp, and a
 * lifetime CPU budget. The budget is a backstop behind the host's per-run deadline, which ends
 * runs long before: it stops a sandbox that somehow escaped every watch of the host.
 */
export const SANDBOX_TASKS = 64
export const SANDBOX_OPEN_FILES = 256
export const SANDBOX_TMP_BYTES = 1024 * 1024
export const SANDBOX_CPU_SECONDS = 3_600

/**
 * The cgroup's memory limit sits this far above the resident-memory limit the host watches: the
 * host's watch stops a run gracefully (as memory_limit, during the run), and the cgroup is the hard
 * stop for what grows faster than the host samples, or outside the process's own pages.
 */
export const CGROUP_MEMORY_MARGIN_MB = 64

/** Sandboxes a warm pool keeps started (see createPool). */
export const DEFAULT_POOL_SIZE = 2
export const MAX_POOL_SIZE = 64

/**
 * Native runtime: each process's address space (RLIMIT_AS) is held to memoryMb plus this, for
 * what the interpreter maps besides its heap: its code and libraries, numpy's BLAS buffers, and
 * thread stacks (measured: python3 maps 13 MB, 139 MB with numpy imported). Past it an allocation
 * fails and Python raises MemoryError.
 */
export const NATIVE_ADDRESS_OVERHEAD_MB = 256

/** Native runtime: the size of its /tmp (a tmpfs, in memory). Its scratch dir gets memoryMb. */
export const NATIVE_TMP_BYTES = 16 * 1024 * 1024
