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
  /** Sessions whose sandbox is starting: they count against the cap already. */
  #starting = 0
  readonly #idleMs: number | null
  readonly #maxSessions: number

  constructor(options: { idleMs: number | null; maxSessions: number }) {
    this.#idleMs = options.idleMs
    this.#maxSessions = options.maxSessions
  }

  get size(): number {
    this.#dropDead()
    return this.#sessions.size
  }

  get idleMs(): number | null {
    return this.#idleMs
  }

  /**
   * A place for a session about to start, or null when every place is taken (live sessions and
   * those starting). The place is the session's once added, and must be given back otherwise.
   */
  reserve(): { release(): void } | null {
    if (this.size + this.#starting >= this.#maxSessions) return null
    this.#starting++
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        this.#starting--
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
