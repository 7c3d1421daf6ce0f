/**
 * The first program of every sandbox, run by the host: `/bin/sh`, only to do what Node cannot do
 * for a child before it execs the sandbox (bubblewrap, or the runtime directly):
 *
 * - wait, when asked to, until the host has put it into the sandbox's cgroup (the host writes
 *   "go" on fd 5), so that every process it starts is inside from the beginning;
 * - set resource limits, inherited by everything after: no core dumps (a crashing sandbox would
 *   otherwise leave its memory in a file: measured, 450 MB written at / as root), a file size
 *   limit (0 where the runtime writes no file: should a way to create one be found, it stays
 *   empty), where the runtime asks, an address-space limit (so that allocations fail), a cap
 *   on open files, no real-time priority, no locked memory, few queued signals (they count
 *   against a per-user limit shared with the host's processes of that user), and a lifetime CPU
 *   budget as a backstop behind the host's own deadlines.
 *
 * No value from the guest reaches this script: the limits are numbers, passed as arguments,
 * never spliced into the script text.
 *
 * @module
 */

import { existsSync } from 'node:fs'

/** The launcher's interpreter: any POSIX shell with `ulimit`. */
const LAUNCHER_SHELL = '/bin/sh'

/** The launcher's shell, or null where the host has none (resource limits are then not set). */
export function findLauncherShell(): string | null {
  return existsSync(LAUNCHER_SHELL) ? LAUNCHER_SHELL : null
}

export interface LauncherLimits {
  openFiles: number
  cpuSeconds: number
  /** Largest file the sandbox may write (RLIMIT_FSIZE), in bytes. */
  fileSizeBytes: number
  /** Address space of each process (RLIMIT_AS), in bytes, or null for no limit. */
  addressSpaceBytes: number | null
}

/** The fd bubblewrap reads the compiled seccomp program from. */
export const SECCOMP_FD = 4
/** The fd on which the host tells a waiting launcher to go on. */
export const GO_FD = 5
/** Queued signals: the sandbox's Node needs none of its own. */
const PENDING_SIGNALS = 64

const SCRIPT = [
  // dash knows fds 0-9 only in redirections: GO_FD must stay a single digit.
  `if [ "$1" = wait ]; then read -r go <&${GO_FD} && [ "$go" = go ] || exit 125; fi`,
  `exec ${GO_FD}<&-`,
  'shift',
  // POSIX shells count -f in 512-byte blocks and -v in KiB. A size above the hard limit the host
  // was given is lowered to it (raising it fails for a user, and would lift an operator's cap).
  'cap() { hard=$(ulimit -H "$1") || return 1; if [ "$hard" != unlimited ] && [ "$2" -gt "$hard" ]; then ulimit "$1" "$hard"; else ulimit "$1" "$2"; fi; }',
  'ulimit -c 0 && cap -f "$3" && ulimit -n "$1" && ulimit -t "$2" || exit 125',
  'if [ "$4" != none ]; then cap -v "$4" || exit 125; fi',
  'ulimit -r 0 2>/dev/null; ulimit -l 0 2>/dev/null',
  // POSIX shells cannot set RLIMIT_SIGPENDING or MSGQUEUE; util-linux's prlimit can, where it
  // is installed. (Both count per host uid: on a root host each sandbox has a uid of its own.)
  `if command -v prlimit >/dev/null 2>&1; then prlimit --pid $$ --sigpending=${PENDING_SIGNALS}:${PENDING_SIGNALS} --msgqueue=0:0 || exit 125; fi`,
  'shift 4',
  // The shell exports PWD on its own; what it execs gets no variable from it.
  'unset PWD',
  'exec "$@"',
].join('\n')

/**
 * The shell command that (when `waitForHost`) waits for the host's "go" on fd 5, sets `limits`,
 * and execs `command`.
 */
export function buildLauncher(
  shell: string,
  waitForHost: boolean,
  limits: LauncherLimits,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return {
    command: shell,
    args: [
      '-c',
      SCRIPT,
      'pyward-launcher',
      waitForHost ? 'wait' : 'start',
      String(limits.openFiles),
      String(limits.cpuSeconds),
      String(Math.ceil(limits.fileSizeBytes / 512)),
      limits.addressSpaceBytes === null
        ? 'none'
        : String(Math.ceil(limits.addressSpaceBytes / 1024)),
      command,
      ...args,
    ],
  }
}
