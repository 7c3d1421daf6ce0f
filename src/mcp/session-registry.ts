/**
 * The MCP server's live sessions: sandboxes an agent created and refers to by id. Their number is
 * capped, because each one is a sandbox process holding its memory until it is closed, and an
 * agent that forgets to close them would otherwise take the host's memory one session at a time.
 *
 * @module
 */
import type { Sandbox } from '../api/sandbox.js'
import { SessionStore } from '../api/session-store.js'

/** The default cap on live sessions. */
export const DEFAULT_MAX_SESSIONS = 8

/** A session could not be created; the message says why and what to do. */
export class SessionRefusedError extends Error {
  override name = 'SessionRefusedError'
}

/** The MCP server has one client: every session is its. */
const OWNER = 'mcp-client'

export class SessionRegistry {
  readonly #store: SessionStore
  #closed = false

  constructor(maxSessions: number = DEFAULT_MAX_SESSIONS) {
    // An agent's sessions last until it closes them (or the server stops): the cap bounds them.
    this.#store = new SessionStore({ idleMs: null, maxSessions })
  }

  /**
   * Starts a sandbox with `start` and keeps it under a new id.
   * @throws SessionRefusedError when the cap is reached or the registry was closed.
   */
  async open(start: () => Promise<Sandbox>): Promise<string> {
    if (this.#closed) throw new SessionRefusedError('The server is shutting down.')
    const place = this.#store.reserve(OWNER)
    if ('refused' in place) {
      throw new SessionRefusedError(
        `Cannot create a session: this server allows at most ${this.#store.maxSessions} open at once. Close one with close_session first.`,
      )
    }
    let sandbox: Sandbox
    try {
      sandbox = await start()
    } finally {
      place.release()
    }
    if (this.#closed) {
      await sandbox.close()
      throw new SessionRefusedError('The server is shutting down.')
    }
    return this.#store.add(sandbox, OWNER)
  }

  /** The session's sandbox, or undefined when there is no such session (or its sandbox died). */
  get(id: string): Sandbox | undefined {
    return this.#store.use(id, OWNER) ?? undefined
  }

  /** Forgets a session and closes its sandbox; false when there was no such session. */
  close(id: string): Promise<boolean> {
    return this.#store.close(id, OWNER)
  }

  /** Closes every session, and refuses new ones from now on. */
  async closeAll(): Promise<void> {
    this.#closed = true
    await this.#store.closeAll()
  }
}
