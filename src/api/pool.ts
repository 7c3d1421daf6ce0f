/**
 * A warm pool: sandboxes started ahead of time, each used for exactly one run and then killed.
 *
 * A pool hides the start-up time, not the isolation: no sandbox ever serves two runs, so nothing one
 * run leaves behind (Python state, files, a changed JavaScript realm, a process it left running)
 * can reach the next. It refills in the background, at most `size` sandboxes idle or starting at
 * once, and tells callers when they had to wait (see {@link PoolStats}).
 *
 * @module
 */
import { SandboxError } from '../errors.js'
import { DEFAULT_POOL_SIZE, MAX_POOL_SIZE } from '../policy/limits.js'
import { parseOptions } from '../policy/option-issues.js'
import { resolvePolicy } from '../policy/resolve-policy.js'
import { runSettingsSchema } from '../policy/schema.js'
import type { SandboxOptions, SandboxRunOptions } from './options.js'
import type { RunResult } from './run-result.js'
import { Sandbox, START } from './sandbox.js'

const POOL_OPTIONS = new Set(['size', 'policy', 'warmUp'])

/** After a sandbox fails to start, the next attempt waits this long, doubling up to the maximum. */
const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 30_000

export interface PoolOptions {
  /** Sandboxes kept started (idle or starting). @default 2 */
  size?: number
  /** The policy of every sandbox of the pool. */
  policy?: SandboxOptions
  /**
   * Warm each sandbox's interpreter up before it idles, so that CPU-heavy code runs at full speed
   * from its first second (a fresh interpreter's first run was up to 3x slower). It costs each
   * start some CPU: turn it off for pools of many short runs. @default true
   */
  warmUp?: boolean
}

export interface PoolStats {
  /** Sandboxes started and waiting for a run. */
  idle: number
  /** Sandboxes being started. */
  starting: number
  /** Runs in progress. */
  running: number
  /** Runs served since the pool was created. */
  served: number
  /** Runs that found no idle sandbox and waited for one to start. */
  waited: number
  /** Their total wait, in milliseconds. */
  waitMs: number
  /** Sandboxes that failed to start. */
  startFailures: number
  /** The last start failure, or null. */
  lastStartError: string | null
}

interface Waiter {
  resolve(sandbox: Sandbox): void
  reject(error: unknown): void
  since: number
}

/**
 * @example
 * ```ts
 * await using pool = createPool({ size: 2, policy: { timeoutMs: 1_000 } })
 * const result = await pool.run('print(6 * 7)') // a fresh sandbox; killed after the run
 * ```
 */
export class SandboxPool implements AsyncDisposable {
  readonly size: number
  readonly #policy: SandboxOptions
  readonly #warmUp: boolean
  readonly #idle: Sandbox[] = []
  readonly #waiters: Waiter[] = []
  /** Every sandbox the pool started and has not yet closed: closing the pool kills them all. */
  readonly #live = new Set<Sandbox>()
  /** Starts in progress: close() waits for each, and it kills what it started. */
  readonly #starts = new Set<Promise<void>>()
  /** Sandboxes being killed after their run. */
  readonly #retiring = new Set<Promise<void>>()
  #running = 0
  #closed = false
  #retryMs = 0
  #retryTimer: NodeJS.Timeout | undefined
  readonly #stats = { served: 0, waited: 0, waitMs: 0, startFailures: 0 }
  #lastStartError: string | null = null

  /** Validates the options and starts filling the pool. @throws InvalidOptionsError */
  constructor(options: PoolOptions = {}) {
    const unknown = Object.keys(options ?? {}).filter((key) => !POOL_OPTIONS.has(key))
    if (unknown.length > 0) {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `Invalid options: createPool takes size, policy and warmUp, not ${unknown.join(', ')}. Put the sandboxes' policy in policy: { ... }.`,
      )
    }
    const size = options.size ?? DEFAULT_POOL_SIZE
    if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `Invalid size: must be a whole number from 1 to ${MAX_POOL_SIZE} (received ${String(size)}).`,
      )
    }
    if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean') {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `Invalid warmUp: must be true or false (received ${JSON.stringify(options.warmUp)}).`,
      )
    }
    // Bad policy options fail here, once, not in every background start.
    resolvePolicy(options.policy ?? {})
    this.size = size
    // A copy: what the caller changes later does not change the pool's later sandboxes.
    this.#policy = structuredClone(options.policy ?? {})
    this.#warmUp = options.warmUp ?? true
    this.#refill()
  }

  get stats(): PoolStats {
    return {
      // An idle sandbox that died meanwhile is not idle: it is dropped when a run comes.
      idle: this.#idle.filter((sandbox) => !sandbox.closed).length,
      starting: this.#starts.size,
      running: this.#running,
      ...this.#stats,
      lastStartError: this.#lastStartError,
    }
  }

  /**
   * Runs code in a sandbox of its own, which is killed after: as {@link Sandbox.run} on a fresh
   * sandbox, without the wait for it to start when one is idle.
   * @throws SandboxError `SANDBOX_CLOSED` after close(); the start error if no sandbox can start.
   */
  async run(code: string, options: SandboxRunOptions = {}): Promise<RunResult> {
    // Bad arguments fail before a started sandbox is spent on them.
    if (typeof code !== 'string') {
      throw new SandboxError('INVALID_OPTIONS', 'Invalid code: must be a string of Python source.')
    }
    const { onStdout: _out, onStderr: _err, signal: _signal, ...settings } = options
    parseOptions(runSettingsSchema, settings)
    const sandbox = await this.#take()
    this.#running += 1
    try {
      return await sandbox.run(code, options)
    } finally {
      this.#running -= 1
      this.#stats.served += 1
      // The caller has its result first; then the sandbox is killed (close() waits for it to be
      // reaped, the caller does not) and its replacement starts, late enough not to take the CPU
      // the run needed.
      setImmediate(() => {
        this.#retire(sandbox)
        this.#refill()
      })
    }
  }

  /** Kills every sandbox the pool started (runs in progress end as `killed`). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retryTimer)
    const error = poolClosed()
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
    this.#idle.length = 0
    await Promise.all([
      ...[...this.#live].map((sandbox) => this.#discard(sandbox)),
      ...this.#starts,
      ...this.#retiring,
    ])
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** An idle sandbox that is still usable, or the next one to start. */
  #take(): Promise<Sandbox> {
    if (this.#closed) return Promise.reject(poolClosed())
    for (let sandbox = this.#idle.shift(); sandbox; sandbox = this.#idle.shift()) {
      // An idle sandbox can have been killed meanwhile (its process died, or it used CPU while
      // idle): it is dropped, never handed out.
      if (!sandbox.closed) return Promise.resolve(sandbox)
      this.#retire(sandbox)
    }
    const waited = new Promise<Sandbox>((resolve, reject) => {
      this.#waiters.push({ resolve, reject, since: performance.now() })
    })
    this.#refill()
    return waited
  }

  /**
   * Starts sandboxes until `size` are idle or starting. Callers beyond that wait for the next
   * start to finish: the pool never starts more than `size` at once.
   */
  #refill(): void {
    if (this.#closed || this.#retryTimer !== undefined) return
    for (const sandbox of this.#idle.filter((idle) => idle.closed)) {
      this.#idle.splice(this.#idle.indexOf(sandbox), 1)
      this.#retire(sandbox)
    }
    const room = this.size - this.#idle.length - this.#starts.size
    for (let i = 0; i < room; i += 1) {
      const start = this.#startOne().finally(() => {
        this.#starts.delete(start)
        this.#refill()
      })
      this.#starts.add(start)
    }
  }

  async #startOne(): Promise<void> {
    let sandbox: Sandbox
    try {
      // A pooled sandbox has time to spare before its run: it can warm its interpreter up.
      sandbox = await Sandbox[START](this.#policy, { warmUp: this.#warmUp })
    } catch (error) {
      this.#onStartFailure(error)
      return
    }
    this.#retryMs = 0
    if (this.#closed) {
      await sandbox.close()
      return
    }
    this.#live.add(sandbox)
    const waiter = this.#waiters.shift()
    if (waiter) {
      this.#stats.waited += 1
      this.#stats.waitMs += performance.now() - waiter.since
      waiter.resolve(sandbox)
    } else {
      this.#idle.push(sandbox)
    }
  }

  /**
   * A failed start is reported to the caller waiting longest (the host's problem is theirs to
   * see), and the next start waits, longer each time, so a host that cannot start sandboxes is
   * not kept busy trying.
   */
  #onStartFailure(error: unknown): void {
    this.#stats.startFailures += 1
    this.#lastStartError = error instanceof Error ? error.message : String(error)
    this.#waiters.shift()?.reject(error)
    if (this.#closed) return
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs === 0 ? FIRST_RETRY_MS : this.#retryMs * 2)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#refill()
    }, this.#retryMs)
    this.#retryTimer.unref()
  }

  #retire(sandbox: Sandbox): void {
    const retiring = this.#discard(sandbox)
      .catch(() => {})
      .finally(() => this.#retiring.delete(retiring))
    this.#retiring.add(retiring)
  }

  async #discard(sandbox: Sandbox): Promise<void> {
    this.#live.delete(sandbox)
    await sandbox.close()
  }
}

/** Creates a pool and starts filling it. @throws InvalidOptionsError for bad options. */
export function createPool(options: PoolOptions = {}): SandboxPool {
  return new SandboxPool(options)
}

function poolClosed(): SandboxError {
  return new SandboxError('SANDBOX_CLOSED', 'The pool was closed: create a new pool to run code.')
}
