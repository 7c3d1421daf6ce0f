/**
 * The first program of every sandbox, run by the host: `/bin/sh`, only to do what Node cannot do
 * for a child before it execs the sandbox (bubblewrap, or the runtime directly):
 *
 * - join the sandbox's cgroup (so every process it starts is inside from the beginning);
 * - set resource limits, inherited by everything after: no core dumps (a crashing sandbox would
 *   otherwise leave its memory in a file: measured, 450 MB written at / as root), no file growth
 *   (the sandbox writes no host file; should a way to create one be found, it stays empty), a cap
 *   on open files, and a lifetime CPU budget as a backstop behind the host's own deadlines.
 *
 * No value from the guest reaches this script: the cgroup paths are pyward's own and the limits
 * are numbers, all passed as arguments, never spliced into the script text.
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
}

const SCRIPT = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done',
  'ulimit -c 0 && ulimit -f 0 && ulimit -n "$1" && ulimit -t "$2" || exit 125',
  'shift 2',
  // The shell exports PWD on its own; what it execs gets no variable from it.
  'unset PWD',
  'exec "$@"',
].join('\n')

/** The shell command that joins `procsFiles`, sets `limits`, and execs `command`. */
export function buildLauncher(
  shell: string,
  procsFiles: readonly string[],
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
      String(procsFiles.length),
      ...procsFiles,
      String(limits.openFiles),
      String(limits.cpuSeconds),
      command,
      ...args,
    ],
  }
}
