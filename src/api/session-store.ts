/**
 * Sandboxes kept as sessions by the entry points (the HTTP service, the MCP server): each known by
 * a random id, owned by the caller that created it (another owner is told it does not exist),
 * closed after `idleMs` without use (null: never), and all closed when the entry point stops. At
 * most `maxSessions` live or starting at once: each is a process holding its memory.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Sandbox } from './sandbox.js'

interface Entry {
  sandbox: Sandbox
  key: string
  timer: NodeJS.Timeout | undefined
}

export class SessionStore {
  readonly #sessions = new Map<string, Entry>()
  /** Sessions whose sandbox is starting, by owner: they count against the caps already. */
  readonly #starting = new Map<string, number>()
  readonly #idleMs: number | null
  readonly #maxSessions: number
  readonly #maxPerOwner: number

  constructor(options: { idleMs: number | null; maxSessions: number; maxPerOwner?: number }) {
    this.#idleMs = options.idleMs
    this.#maxSessions = options.maxSessions
    this.#maxPerOwner = options.maxPerOwner ?? options.maxSessions
  }

  get size(): number {
    this.#dropDead()
    return this.#sessions.size
  }

  get idleMs(): number | null {
    return this.#idleMs
  }

  /**
   * A place for a session of `owner` about to start, or why there is none: every place taken (live
   * sessions and those starting), or the owner's share. The place is the session's once added,
   * and must be given back otherwise.
   */
  reserve(owner: string): { release(): void } | { refused: string } {
    const starting = [...this.#starting.values()].reduce((sum, count) => sum + count, 0)
    if (this.size + starting >= this.#maxSessions) {
      return {
        refused: `${this.#maxSessions} sessions are open or starting, the most kept at once`,
      }
    }
    const owned =
      [...this.#sessions.values()].filter((entry) => entry.key === owner).length +
      (this.#starting.get(owner) ?? 0)
    if (owned >= this.#maxPerOwner) {
      return {
        refused: `${owned} sessions of this caller are open or starting, the most one may have`,
      }
    }
    this.#starting.set(owner, (this.#starting.get(owner) ?? 0) + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        const left = (this.#starting.get(owner) ?? 1) - 1
        if (left === 0) this.#starting.delete(owner)
        else this.#starting.set(owner, left)
      },
    }
  }

  get maxSessions(): number {
    return this.#maxSessions
  }

  /** Keeps `sandbox` as a new session of `key`; returns its id. */
  add(sandbox: Sandbox, key: string): string {
    const id = randomBytes(16).toString('hex')
    this.#sessions.set(id, { sandbox, key, timer: this.#expiry(id) })
    return id
  }

  /** The session's sandbox, if it exists and belongs to `key`; its idle clock starts again. */
  use(id: string, key: string): Sandbox | null {
    const entry = this.#sessions.get(id)
    if (entry === undefined || entry.key !== key) return null
    if (entry.sandbox.closed) {
      void this.close(id)
      return null
    }
    clearTimeout(entry.timer)
    entry.timer = this.#expiry(id)
    return entry.sandbox
  }

  /** Closes the session (its sandbox dies); false when it did not exist for `key`. */
  async close(id: string, key?: string): Promise<boolean> {
    const entry = this.#sessions.get(id)
    if (entry === undefined || (key !== undefined && entry.key !== key)) return false
    this.#sessions.delete(id)
    clearTimeout(entry.timer)
    await entry.sandbox.close()
    return true
  }

  /** Sessions whose sandbox died (killed at a limit, crashed) hold no place. */
  #dropDead(): void {
    for (const [id, entry] of this.#sessions) {
      if (entry.sandbox.closed) void this.close(id)
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#sessions.keys()].map((id) => this.close(id)))
  }

  #expiry(id: string): NodeJS.Timeout | undefined {
    if (this.#idleMs === null) return undefined
    const timer = setTimeout(() => void this.close(id), this.#idleMs)
    timer.unref()
    return timer
  }
}
