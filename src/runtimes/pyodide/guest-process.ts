/**
 * Starts and ends one sandbox process. The process gets an empty environment (nothing of the
 * host's leaks in, not even PATH or HOME), no stdin, a neutral working directory, and the
 * protocol on fd 3. Its own stdout/stderr are not the guest's output (that travels on fd 3): they
 * only carry Node's crash messages, kept in a small bounded buffer for diagnostics.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { Duplex } from 'node:stream'
import { readProcessCpuMs } from './process-cpu.js'

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
    this.#child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: {},
      cwd: '/',
      windowsHide: true,
    })
    this.socket = this.#child.stdio[3] as Duplex
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.#diagnostics = (this.#diagnostics + chunk.toString('utf8')).slice(-DIAGNOSTICS_BYTES)
      })
    }
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

  /** SIGKILL: a sandbox is never asked to stop, it is stopped. Resolves once it is gone. */
  async kill(): Promise<ProcessExit> {
    if (this.#exit === null) {
      this.cpuMs()
      this.#child.kill('SIGKILL')
    }
    return this.exited
  }
}
