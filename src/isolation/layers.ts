/**
 * The protections pyward can put around a sandbox, and the modes that choose among them.
 *
 * @module
 */

/**
 * The protections that can be active around a sandbox, in order, outside in:
 * - `process`: a separate OS process with an empty environment and its own pipes, killed by the host;
 * - `namespaces`: bubblewrap's user, PID, network, mount, IPC, UTS and cgroup namespaces, an empty read-only root;
 * - `seccomp`: a default-deny seccomp-bpf allowlist: no other socket families than AF_UNIX, no new processes or namespaces;
 * - `cgroup`: a cgroup per sandbox: memory and task limits, CPU accounting;
 * - `rlimits`: resource limits set before the sandbox starts: CPU seconds, open files, no core dumps, file size;
 * - `node-permissions`: Node's permission model: no file writes, reads of the runtime and the mounts only, no child processes, workers or addons;
 * - `webassembly`: CPython compiled to WebAssembly: a memory-safe interpreter with a capped heap and a virtual file system.
 */
export const ISOLATION_LAYERS = [
  'process',
  'namespaces',
  'seccomp',
  'cgroup',
  'rlimits',
  'node-permissions',
  'webassembly',
] as const

/** A protection that is active around a sandbox (see {@link ISOLATION_LAYERS}). */
export type IsolationLayer = (typeof ISOLATION_LAYERS)[number]

/** The layers that the operating system provides on Linux, and that a host may lack. */
export const OS_LAYERS = ['namespaces', 'seccomp', 'cgroup', 'rlimits'] as const
export type OsLayer = (typeof OS_LAYERS)[number]

export interface LayerStatus {
  layer: OsLayer
  ok: boolean
  /** What was found (the bwrap path and version, the cgroup directory), or why it is missing. */
  detail: string
  /** How to enable it, when it is missing. */
  fix: string | null
}

/**
 * - `auto`: every layer this host supports; the result's `isolation` lists them.
 * - `strict`: every layer, or the sandbox does not start.
 * - `none`: no namespaces, seccomp or cgroup, chosen explicitly: a separate process with Node's
 *   permission model (and the launcher's rlimits, which protect the host and cost nothing).
 */
export const ISOLATION_MODES = ['auto', 'strict', 'none'] as const
export type IsolationMode = (typeof ISOLATION_MODES)[number]
