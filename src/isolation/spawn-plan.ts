/**
 * Starts a launch plan: the one place where a sandbox process is spawned, so that every caller
 * (the runtime, the doctor's probe, the benchmarks, the tests) gets the same fds, user and cgroup.
 *
 * - fds 0–3 are the caller's; 4 carries the seccomp program to bubblewrap; 5 is the launcher's
 *   "go" pipe; every other fd the host holds without close-on-exec becomes /dev/null (the host
 *   cannot tell which of its fds lack close-on-exec, and Node can close none of them for a child).
 * - On a host run as root, the launcher and everything after run as the plan's unprivileged user.
 * - The host puts the launcher into the sandbox's cgroup itself and only then tells it to go on:
 *   every process of the sandbox is inside from its first instruction, and the launcher needs no
 *   right to the cgroup (which, run as another user, it would not have).
 *
 * @module
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import type { Writable } from 'node:stream'
import type { LaunchPlan } from './launch-plan.js'
import { GO_FD, SECCOMP_FD } from './launcher.js'

/** Where no fd list can be read, cover this many. */
const FALLBACK_FD_COUNT = 256

type CallerStdio = readonly [
  'ignore' | 'pipe' | 'inherit',
  'ignore' | 'pipe' | 'inherit',
  'ignore' | 'pipe' | 'inherit',
  'ignore' | 'pipe',
]

export function spawnPlan(plan: LaunchPlan, callerStdio: CallerStdio): ChildProcess {
  const devNull = openSync('/dev/null', 'r+')
  let child: ChildProcess
  try {
    const stdio: StdioOptions = [...callerStdio]
    stdio.push(plan.seccompProgram ? 'pipe' : devNull)
    stdio.push(plan.waitsForHost ? 'pipe' : devNull)
    const inheritable = plan.inheritableFds
    const highest = inheritable === null ? FALLBACK_FD_COUNT : Math.max(GO_FD, ...inheritable)
    for (let fd = GO_FD + 1; fd <= highest; fd++) {
      // An fd the child would inherit is covered by /dev/null; the others are closed at exec.
      stdio.push(inheritable === null || inheritable.includes(fd) ? devNull : 'ignore')
    }
    child = spawn(plan.command, plan.args, {
      stdio,
      env: plan.env,
      cwd: '/',
      windowsHide: true,
      ...(plan.runAs ? { uid: plan.runAs.uid, gid: plan.runAs.gid } : {}),
    })
  } finally {
    closeSync(devNull)
  }
  if (plan.seccompProgram) {
    const seccomp = (child.stdio as unknown as Writable[])[SECCOMP_FD] as Writable
    // A sandbox that dies before reading it closes the pipe: its exit says what happened.
    seccomp.on('error', () => {})
    seccomp.end(plan.seccompProgram)
  }
  if (plan.waitsForHost) {
    const go = (child.stdio as unknown as Writable[])[GO_FD] as Writable
    go.on('error', () => {})
    try {
      if (child.pid !== undefined) {
        for (const file of plan.cgroup?.procsFiles ?? []) writeFileSync(file, String(child.pid))
      }
      go.end('go\n')
    } catch (error) {
      // Never let it run outside its cgroup: it waits for "go", which it will not get.
      child.kill('SIGKILL')
      go.destroy()
      const failure = new Error(`joining the sandbox's cgroup failed: ${(error as Error).message}`)
      // After the caller has had the child and could listen for it.
      process.nextTick(() => child.emit('error', failure))
    }
  }
  return child
}

/** O_CLOEXEC as /proc/self/fdinfo shows it (octal flags). */
const O_CLOEXEC = 0o2000000

/**
 * This process's fds above the launcher's own that a child would inherit (no close-on-exec:
 * typically inherited from a shell or a job runner), or null where /proc cannot tell.
 */
export function findInheritableFds(): number[] | null {
  let fds: number[]
  try {
    fds = readdirSync('/proc/self/fd').map(Number).filter(Number.isInteger)
  } catch {
    return null
  }
  return fds.filter((fd) => {
    if (fd <= GO_FD) return false
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))
      return flags !== null && (parseInt(flags[1] as string, 8) & O_CLOEXEC) === 0
    } catch {
      return false // closed meanwhile (readdir's own fd, for one)
    }
  })
}

/**
 * How many fds the /dev/null placeholders for `inheritable` may take from the sandbox's own
 * allowance: the inheritable fds where /proc names them (few, whatever their numbers), else every
 * fd up to the fallback.
 */
export function placeholderCount(inheritable: readonly number[] | null): number {
  return inheritable?.length ?? FALLBACK_FD_COUNT
}

/** bubblewrap exits with its program's status, and 128 + n when a signal n ended the program. */
export function unwrapBwrapStatus(
  code: number | null,
  signal: NodeJS.Signals | null,
): { code: number | null; signal: NodeJS.Signals | null } {
  if (code === null || code <= 128) return { code, signal }
  const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0]
  return name ? { code: null, signal: name as NodeJS.Signals } : { code, signal }
}
