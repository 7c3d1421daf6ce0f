/**
 * The bubblewrap command line for one sandbox, built from plain data so that it can be read and
 * tested without starting anything. Every flag is a restriction or builds the sandbox's root:
 *
 * - new user, PID, network, mount, IPC, UTS and cgroup namespaces (each asked for by name, so a
 *   kernel that lacks one makes bwrap fail instead of quietly sharing it), and no nested user
 *   namespace: inside one, a process gets a full capability set over a private copy of the mount
 *   tree, from which the read-only binds could be removed;
 * - `--die-with-parent`: the sandbox dies with the host, even one killed by SIGKILL;
 * - `--new-session`: no controlling terminal, so no TIOCSTI keystrokes into the host's;
 * - `--clearenv`: only the variables given here (bwrap's own environment is empty as well, since
 *   its pid-1 helper keeps it, readable at /proc/1/environ);
 * - an empty root (a tmpfs, made read-only once built) holding only the read-only binds, a
 *   size-capped tmpfs per writable directory (which the launcher's RLIMIT_FSIZE may further
 *   restrict: the Pyodide runtime's Node writes no file, and gets a file size limit of 0), a /dev of a few harmless devices, a /proc of the
 *   sandbox's own processes, and no /sys.
 *
 * The network namespace has only its own loopback (bwrap brings it up; it reaches nothing but the
 * sandbox itself), and the seccomp program refuses every socket family but AF_UNIX besides.
 *
 * @module
 */

import { existsSync } from 'node:fs'

export interface ReadOnlyBind {
  /** A real host path (no symlinks: resolved before it gets here). */
  hostPath: string
  sandboxPath: string
}

export interface SizedTmpfs {
  sandboxPath: string
  sizeBytes: number
}

export interface SandboxRoot {
  binds: readonly ReadOnlyBind[]
  tmpfs: readonly SizedTmpfs[]
}

export interface BwrapCommand {
  root: SandboxRoot
  /** The program's path inside the sandbox, and its arguments. */
  program: string
  args: readonly string[]
  env: Readonly<Record<string, string>>
  /** The fd bwrap reads the compiled seccomp program from, or null for none. */
  seccompFd: number | null
}

/** Devices a program may expect; each is harmless (no disk, no terminal, no kernel memory). */
const DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom']
/** The tmpfs under /dev holds only the device nodes' mount points. */
const DEV_TMPFS_BYTES = 64 * 1024

/**
 * The sandbox's uid maps to the host user that starts bubblewrap, and the kernel checks most
 * /proc files by uid alone: when that user is root, a fresh procfs lets the sandbox write
 * /proc/sys (kernel.core_pattern runs a command as host root on the next crash), /proc/bus/pci
 * and /proc/irq, and read root-only files (measured; bwrap only covers these when it can write
 * them itself, which a 0555 directory defeats). As Docker does, the writable trees are bound
 * read-only and the sensitive files are masked; on a host run as root pyward also starts the
 * sandbox as an unprivileged user (see launch-plan.ts).
 */
const PROC_READ_ONLY = ['sys', 'bus', 'irq', 'fs', 'pressure', 'acpi', 'sysrq-trigger']
// (The host's /proc is the source: these trees are the kernel's, the same from every namespace;
// /proc/sys/net shows the reader's own network namespace.)
const PROC_MASKED = [
  'cmdline',
  'config.gz',
  'kcore',
  'kmsg',
  'kallsyms',
  'keys',
  'key-users',
  'timer_list',
  'sched_debug',
  'latency_stats',
  'timer_stats',
  'slabinfo',
  'kpagecount',
  'kpageflags',
  'kpagecgroup',
  'vmallocinfo',
  'pagetypeinfo',
  'mtrr',
]

export function buildBwrapArgs(command: BwrapCommand): string[] {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    // Not root inside, even when the host runs as root: the guest's own view holds no privilege.
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'sandbox',
  ]
  for (const bind of command.root.binds) args.push('--ro-bind', bind.hostPath, bind.sandboxPath)
  for (const tmpfs of command.root.tmpfs) {
    args.push('--size', String(tmpfs.sizeBytes), '--tmpfs', tmpfs.sandboxPath)
  }
  args.push('--size', String(DEV_TMPFS_BYTES), '--tmpfs', '/dev')
  for (const device of DEVICES) args.push('--dev-bind', device, device)
  args.push('--remount-ro', '/dev', '--proc', '/proc')
  // Only what this kernel has: bwrap cannot create a mount point in procfs.
  const present = (entry: string) => existsSync(`/proc/${entry}`)
  for (const entry of PROC_READ_ONLY.filter(present)) {
    args.push('--ro-bind', `/proc/${entry}`, `/proc/${entry}`)
  }
  for (const entry of PROC_MASKED.filter(present)) {
    args.push('--ro-bind', '/dev/null', `/proc/${entry}`)
  }
  args.push('--remount-ro', '/', '--chdir', '/')
  for (const [name, value] of Object.entries(command.env)) args.push('--setenv', name, value)
  if (command.seccompFd !== null) args.push('--seccomp', String(command.seccompFd))
  args.push('--', command.program, ...command.args)
  return args
}
