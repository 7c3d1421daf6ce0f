/**
 * The host's watch over one sandbox process's resources, for its whole life, from /proc: what the
 * OS says, not what the sandbox reports.
 *
 * - Resident memory, always: past the limit the sandbox is killed. Sampled every 100 ms while a
 *   request is in flight, every 500 ms while idle, and at the start and end of every request (so
 *   that many short runs cannot each add a little unseen).
 * - CPU while idle: the sandbox's main thread is blocked between requests, so an idle sandbox
 *   that uses CPU is running something the guest left behind (on a worker thread, or in a hooked
 *   built-in of the sandbox's own code). Past a small allowance for V8's own background work it
 *   is killed.
 *
 * Linux only (elsewhere the samples are null and nothing is enforced; the README says so).
 *
 * @module
 */

const BUSY_SAMPLE_MS = 100
const IDLE_SAMPLE_MS = 500
/** V8 may finish compiling or collecting after a run: measured here at 40 ms after a cold start. */
const IDLE_CPU_ALLOWANCE_MS = 250
/**
 * Between `hello` and the first request no guest code has run yet: the CPU is V8 optimising the
 * interpreter it just restored (a snapshot-started or warmed-up sandbox: measured up to ~300 ms
 * on two threads). That is not the guest's, so the rule is wider until the first request.
 */
export const STARTUP_IDLE_CPU_ALLOWANCE_MS = 3_000
/** ...plus this share of the idle time, for long idle periods. */
const IDLE_CPU_SHARE = 0.01

export interface WatchedProcess {
  rssBytes(): number | null
  cpuMs(): number
}

export type Breach = { kind: 'memory'; rssBytes: number } | { kind: 'idle-cpu'; cpuMs: number }

export class ResourceWatch {
  readonly #process: WatchedProcess
  readonly #limitBytes: number
  readonly #onBreach: (breach: Breach) => void
  #timer: NodeJS.Timeout | undefined
  #idleSince: { at: number; cpuMs: number; allowanceMs: number } | null = null
  #stopped = false

  constructor(process: WatchedProcess, limitBytes: number, onBreach: (breach: Breach) => void) {
    this.#process = process
    this.#limitBytes = limitBytes
    this.#onBreach = onBreach
  }

  /** A request is in flight: sample often, and no CPU rule. */
  busy(): void {
    this.#idleSince = null
    this.#sample()
    this.#schedule(BUSY_SAMPLE_MS)
  }

  /** The sandbox answered and waits: sample seldom, and hold it to the idle CPU rule. */
  idle(allowanceMs = IDLE_CPU_ALLOWANCE_MS): void {
    this.#sample()
    this.#idleSince = { at: performance.now(), cpuMs: this.#process.cpuMs(), allowanceMs }
    this.#schedule(IDLE_SAMPLE_MS)
  }

  /** Samples now, under the current rule. */
  check(): void {
    this.#sample()
  }

  stop(): void {
    this.#stopped = true
    clearInterval(this.#timer)
  }

  #schedule(everyMs: number): void {
    clearInterval(this.#timer)
    if (this.#stopped) return
    this.#timer = setInterval(() => this.#sample(), everyMs)
    // A watch must never keep the host process alive on its own.
    this.#timer.unref()
  }

  #sample(): void {
    if (this.#stopped) return
    const rssBytes = this.#process.rssBytes()
    if (rssBytes !== null && rssBytes > this.#limitBytes) {
      this.#breach({ kind: 'memory', rssBytes })
      return
    }
    const idle = this.#idleSince
    if (idle === null) return
    const cpuMs = this.#process.cpuMs() - idle.cpuMs
    const allowanceMs = idle.allowanceMs + IDLE_CPU_SHARE * (performance.now() - idle.at)
    if (cpuMs > allowanceMs) this.#breach({ kind: 'idle-cpu', cpuMs })
  }

  #breach(breach: Breach): void {
    this.stop()
    this.#onBreach(breach)
  }
}
