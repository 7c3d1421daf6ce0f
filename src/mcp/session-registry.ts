/**
 * The MCP server's live sessions: sandboxes an agent created and refers to by id. Their number is
 * capped, because each one is a sandbox process holding its memory until it is closed, and an
 * agent that forgets to close them would otherwise take the host's memory one session at a time.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Sandbox } from '../api/sandbox.js'

/** The default cap on live sessions. */
export const DEFAULT_MAX_SESSIONS = 8

/** A session could not be created; the message says why and what to do. */
export class SessionRefusedError extends Error {
  override name = 'SessionRefusedError'
}

export class SessionRegistry {
  readonly #sessions = new Map<string, Sandbox>()
  readonly #maxSessions: number
  /** Sandboxes being started: they count against the cap before they exist. */
  #starting = 0
  #closed = false

  constructor(maxSessions: number = DEFAULT_MAX_SESSIONS) {
    this.#maxSessions = maxSessions
  }

  /**
   * Starts a sandbox with `start` and keeps it under a new id.
   * @throws SessionRefusedError when the cap is reached or the registry was closed.
   */
  async open(start: () => Promise<Sandbox>): Promise<string> {
    if (this.#closed) throw new SessionRefusedError('The server is shutting down.')
    if (this.#sessions.size + this.#starting >= this.#maxSessions) {
      throw new SessionRefusedError(
        `Cannot create a session: this server allows at most ${this.#maxSessions} open at once. Close one with close_session first.`,
      )
    }
    this.#starting++
    let sandbox: Sandbox
    try {
      sandbox = await start()
    } finally {
      this.#starting--
    }
    if (this.#closed) {
      await sandbox.close()
      throw new SessionRefusedError('The server is shutting down.')
    }
    const id = randomUUID()
    this.#sessions.set(id, sandbox)
    return id
  }

  /** The session's sandbox, or undefined when there is no such session. */
  get(id: string): Sandbox | undefined {
    return this.#sessions.get(id)
  }

  /** Forgets a session and closes its sandbox; false when there was no such session. */
  async close(id: string): Promise<boolean> {
    const sandbox = this.#sessions.get(id)
    if (sandbox === undefined) return false
    this.#sessions.delete(id)
    await sandbox.close()
    return true
  }

  /** Closes every session, and refuses new ones from now on. */
  async closeAll(): Promise<void> {
    this.#closed = true
    const sandboxes = [...this.#sessions.values()]
    this.#sessions.clear()
    await Promise.allSettled(sandboxes.map((sandbox) => sandbox.close()))
  }
}
