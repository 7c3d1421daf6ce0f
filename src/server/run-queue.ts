/**
 * Admission for the server's runs: at most `maxRunning` at once, at most `maxWaiting` waiting for
 * a turn, and at most `maxPerKey` in flight (running or waiting) for one API key, so that one
 * client cannot take every slot. A request that finds no room is refused at once (the caller
 * answers 429): the server never holds an unbounded backlog.
 *
 * @module
 */

export interface QueueLimits {
  maxRunning: number
  maxWaiting: number
  maxPerKey: number
}

export type Admission =
  | { admitted: true; turn: Promise<void>; release(): void }
  | { admitted: false; reason: string }

interface Waiter {
  start(): void
  abandoned: boolean
}

export class RunQueue {
  readonly #limits: QueueLimits
  #running = 0
  readonly #waiting: Waiter[] = []
  readonly #perKey = new Map<string, number>()

  constructor(limits: QueueLimits) {
    this.#limits = limits
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.filter((w) => !w.abandoned).length }
  }

  /**
   * A place for one run of `key`: its turn comes when `turn` resolves; `release` must be called
   * exactly once after (also when the caller gives up before its turn).
   */
  enter(key: string): Admission {
    const ofKey = this.#perKey.get(key) ?? 0
    if (ofKey >= this.#limits.maxPerKey) {
      return {
        admitted: false,
        reason: `this API key already has ${ofKey} run(s) in flight, the most one key may have`,
      }
    }
    const mustWait = this.#running >= this.#limits.maxRunning
    if (mustWait && this.stats.waiting >= this.#limits.maxWaiting) {
      return {
        admitted: false,
        reason: `${this.#running} runs are running and ${this.stats.waiting} waiting, the most this server holds`,
      }
    }
    this.#perKey.set(key, ofKey + 1)
    let started = false
    let released = false
    let waiter: Waiter | null = null
    const turn = mustWait
      ? new Promise<void>((resolve) => {
          waiter = {
            abandoned: false,
            start: () => {
              started = true
              resolve()
            },
          }
          this.#waiting.push(waiter)
        })
      : Promise.resolve()
    if (!mustWait) {
      started = true
      this.#running++
    }
    const release = () => {
      if (released) return
      released = true
      const left = (this.#perKey.get(key) ?? 1) - 1
      if (left === 0) this.#perKey.delete(key)
      else this.#perKey.set(key, left)
      if (started) {
        this.#running--
        this.#next()
      } else if (waiter !== null) {
        ;(waiter as Waiter).abandoned = true
      }
    }
    return { admitted: true, turn, release }
  }

  #next(): void {
    while (this.#running < this.#limits.maxRunning) {
      const waiter = this.#waiting.shift()
      if (waiter === undefined) return
      if (waiter.abandoned) continue
      this.#running++
      waiter.start()
    }
  }
}
