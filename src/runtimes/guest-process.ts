/**
 * Starts and ends one sandbox process. The process gets an empty environment (nothing of the
 * host's leaks in, not even PATH or HOME), /dev/null as stdin and stdout, a neutral working
 * directory, the protocol on fd 3, and nothing else: every file descriptor the host has open
 * without close-on-exec (inherited from whatever started the host) is replaced by /dev/null in the
 * child, because Node's fd-based calls are not covered by the permission model (measured: a guest
 * read and wrote host files through such fds). Its stderr only carries Node's crash messages,
 * kept in a bounded buffer for diagnostics; the guest's output travels on fd 3. When the OS layers
 * confine it, fd 4 carries the seccomp program to bubblewrap, and the program itself is the
 * launched process's grandchild (bubblewrap, then its pid-1 helper in the new PID namespace): its
 * memory and CPU are read from that process, and its end from bubblewrap's exit status.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import type { Duplex } from 'node:stream'
import type { CgroupLeaf } from '../isolation/cgroup-leaf.js'
import type { LaunchPlan } from '../isolation/launch-plan.js'
import { spawnPlan, unwrapBwrapStatus } from '../isolation/spawn-plan.js'
import { killOnHostExit } from './kill-on-exit.js'
import { findChildPid, readProcessCpuMs, readProcessRssBytes } from './process-stats.js'

/** Past this much of its stderr, the host stops reading it: a flood costs the host nothing more. */
const DIAGNOSTICS_READ_LIMIT = 1024 * 1024
/** Enough of Node's crash report to hold the error and its stack after a minified source line. */
const DIAGNOSTICS_BYTES = 64 * 1024
/** Node echoes the offending source line; Pyodide's is one minified line of megabytes. */
const LONGEST_DIAGNOSTIC_LINE = 400

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class GuestProcess {
  readonly #child: ChildProcess
  readonly socket: Duplex
  readonly exited: Promise<ProcessExit>
  #exit: ProcessExit | null = null
  #diagnostics = ''
  #lastCpuMs = 0
  readonly #confined: boolean
  readonly #cgroup: CgroupLeaf | null
  /** The sandboxed program's own pid, once found (confined: the launched process's grandchild). */
  #programPid: number | undefined
  #oomKilled: boolean | null = null

  constructor(plan: LaunchPlan) {
    this.#confined = plan.confined
    this.#cgroup = plan.cgroup
    this.#child = spawnPlan(plan, ['ignore', 'ignore', 'pipe', 'pipe'])
    killOnHostExit(this.#child)
    this.socket = this.#child.stdio[3] as Duplex
    let diagnosticsRead = 0
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#diagnostics = (this.#diagnostics + chunk.toString('utf8')).slice(-DIAGNOSTICS_BYTES)
      diagnosticsRead += chunk.byteLength
      if (diagnosticsRead > DIAGNOSTICS_READ_LIMIT) this.#child.stderr?.destroy()
    })
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = this.#confined ? unwrapBwrapStatus(code, signal) : { code, signal }
        // Read before the cgroup goes: whether the kernel ended the sandbox for its memory.
        this.#oomKilled = this.#cgroup?.oomKilled() ?? false
        const exit = this.#exit
        // Ended means ended: the sandbox's processes are gone and its cgroup removed.
        this.#cgroup?.killAll()
        void (this.#cgroup?.remove() ?? Promise.resolve()).then(() => resolve(exit))
      })
      // A spawn failure (no node binary?) ends the process before it began.
      this.#child.once('error', () => {
        this.#exit ??= { code: null, signal: null }
        this.#cgroup?.removeSync()
        resolve(this.#exit)
      })
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  get hasExited(): boolean {
    return this.#exit !== null
  }

  /** The tail of what Node itself printed (crash messages), bounded, without echoed source lines. */
  get diagnostics(): string {
    return this.#diagnostics
      .split('\n')
      .filter((line) => line.length <= LONGEST_DIAGNOSTIC_LINE)
      .join('\n')
      .trim()
  }

  /** Whether the kernel killed the sandbox for passing its cgroup's memory limit. */
  get oomKilled(): boolean {
    return this.#oomKilled ?? this.#cgroup?.oomKilled() ?? false
  }

  /**
   * CPU time used by the whole sandbox so far: every process in its cgroup where it has one, else
   * the program's own (Linux; the last known value once it has exited).
   */
  cpuMs(): number {
    if (this.#exit !== null) return this.#lastCpuMs
    const fromCgroup = this.#cgroup?.cpuMs() ?? null
    const pid = fromCgroup === null ? this.#findProgramPid() : undefined
    const now = fromCgroup ?? (pid === undefined ? null : readProcessCpuMs(pid))
    this.#lastCpuMs = now ?? this.#lastCpuMs
    return this.#lastCpuMs
  }

  /** Resident memory of the program (Linux), or null. */
  rssBytes(): number | null {
    const pid = this.#findProgramPid()
    return pid === undefined || this.#exit !== null ? null : readProcessRssBytes(pid)
  }

  /** SIGKILL: a sandbox is never asked to stop, it is stopped. Resolves once it is gone. */
  async kill(): Promise<ProcessExit> {
    if (this.#exit === null) {
      this.cpuMs()
      this.#child.kill('SIGKILL')
      this.#cgroup?.killAll()
    }
    return this.exited
  }

  #findProgramPid(): number | undefined {
    if (this.#programPid !== undefined || this.#child.pid === undefined) return this.#programPid
    if (!this.#confined) {
      this.#programPid = this.#child.pid
      return this.#programPid
    }
    // bubblewrap → its pid-1 helper → the program; until both exist, there is nothing to read.
    const helper = findChildPid(this.#child.pid)
    const program = helper === null ? null : findChildPid(helper)
    if (program !== null) this.#programPid = program
    return this.#programPid
  }
}
