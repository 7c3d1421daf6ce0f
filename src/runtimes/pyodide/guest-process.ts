/**
 * Starts and ends one sandbox process. The process gets an empty environment (nothing of the
 * host's leaks in, not even PATH or HOME), /dev/null as stdin and stdout, a neutral working
 * directory, the protocol on fd 3, and nothing else: every file descriptor the host has open
 * without close-on-exec (inherited from whatever started the host) is replaced by /dev/null in the
 * child, because Node's fd-based calls are not covered by the permission model (measured: a guest
 * read and wrote host files through such fds). Its stderr only carries Node's crash messages,
 * kept in a bounded buffer for diagnostics; the guest's output travels on fd 3.
 *
 * @module
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { killOnHostExit } from './kill-on-exit.js'
import { findHighestOpenFd, readProcessCpuMs, readProcessRssBytes } from './process-stats.js'

/** Past this much of its stderr, the host stops reading it: a flood costs the host nothing more. */
const DIAGNOSTICS_READ_LIMIT = 1024 * 1024
/** libuv's worker threads run on after a run returns; one is all the sandbox may have. */
const SANDBOX_THREADPOOL_SIZE = '1'

/** Where no fd list can be read, cover this many. */
const FALLBACK_FD_COUNT = 256

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

  constructor(command: string, args: readonly string[]) {
    const devNull = openSync('/dev/null', 'r+')
    try {
      this.#child = spawn(command, args, {
        stdio: sandboxStdio(devNull),
        // Nothing of the host's: only Node's own setting for this process, which the guest's
        // process.env and os.environ never show.
        env: { UV_THREADPOOL_SIZE: SANDBOX_THREADPOOL_SIZE },
        cwd: '/',
        windowsHide: true,
      })
    } finally {
      closeSync(devNull)
    }
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
        this.#exit = { code, signal }
        resolve(this.#exit)
      })
      // A spawn failure (no node binary?) ends the process before it began.
      this.#child.once('error', () => {
        this.#exit ??= { code: null, signal: null }
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

  /** CPU time used by the whole process so far (Linux; the last known value once it has exited). */
  cpuMs(): number {
    const pid = this.#child.pid
    if (pid !== undefined && this.#exit === null)
      this.#lastCpuMs = readProcessCpuMs(pid) ?? this.#lastCpuMs
    return this.#lastCpuMs
  }

  /** Resident memory of the process (Linux), or null. */
  rssBytes(): number | null {
    const pid = this.#child.pid
    return pid === undefined || this.#exit !== null ? null : readProcessRssBytes(pid)
  }

  /** SIGKILL: a sandbox is never asked to stop, it is stopped. Resolves once it is gone. */
  async kill(): Promise<ProcessExit> {
    if (this.#exit === null) {
      this.cpuMs()
      this.#child.kill('SIGKILL')
    }
    return this.exited
  }
}

/** 0 and 1: /dev/null; 2: diagnostics; 3: the protocol; every other inheritable fd: /dev/null. */
function sandboxStdio(devNull: number): StdioOptions {
  const highest = Math.max(findHighestOpenFd() ?? FALLBACK_FD_COUNT, 3)
  return ['ignore', 'ignore', 'pipe', 'pipe', ...Array.from({ length: highest - 3 }, () => devNull)]
}
