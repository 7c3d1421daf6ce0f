/**
 * `pyward serve`'s server: the app on a Node HTTP server, with its queue, keys and pool. Refuses
 * to listen beyond loopback without API keys: a sandbox service open to a network without keys is
 * a free compute service for anyone who finds it.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createPool, type SandboxPool } from '../api/pool.js'
import { SessionStore } from '../api/session-store.js'
import { SandboxError } from '../errors.js'
import type { IsolationMode } from '../isolation/layers.js'
import type { Runtime } from '../policy/resolve-policy.js'
import { apiKeys } from './api-keys.js'
import { createApp } from './app.js'
import { RunQueue } from './run-queue.js'
import { clampLimits, DEFAULT_SERVER_LIMITS, type ServerLimits } from './run-request.js'

export interface ServerOptions {
  host?: string
  /** 0 for any free port. */
  port?: number
  /** Bearer keys; none: only a loopback host is allowed. */
  apiKeys?: readonly string[]
  /** Runs at once. */
  maxConcurrency?: number
  /** Runs waiting for a turn; past it, 429. */
  queue?: number
  /** Runs in flight for one key; default maxConcurrency + queue (no per-key cap below the server's). */
  maxPerKey?: number
  /** Warm sandboxes kept for runs that ask only for the defaults; 0 for none. */
  pool?: number
  /** A session with no request for this long is closed. */
  sessionIdleMs?: number
  /** Sessions open at once; past it, 429. */
  maxSessions?: number
  /** Sessions one key may have open; default maxSessions. */
  maxSessionsPerKey?: number
  isolation?: IsolationMode
  /** The runtimes a request may ask for. Default: pyodide only. */
  runtimes?: readonly Runtime[]
  limits?: Partial<ServerLimits>
  bodyLimitBytes?: number
  version?: string
}

export interface RunningServer {
  url: string
  port: number
  close(): Promise<void>
}

export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024
/** A request must have arrived whole by then (its body included). */
const REQUEST_TIMEOUT_MS = 60_000
const HEADERS_TIMEOUT_MS = 20_000
const MAX_CONNECTIONS = 1_024
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const keys = options.apiKeys ?? []
  if (keys.length === 0 && !LOOPBACK.has(host)) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `refusing to listen on ${host} without API keys: give --api-key-file, or listen on 127.0.0.1`,
    )
  }
  const maxConcurrency = options.maxConcurrency ?? 2
  const queue = options.queue ?? 16
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits }
  const isolation = options.isolation ?? 'auto'
  let pool: SandboxPool | null = null
  if ((options.pool ?? 0) > 0) {
    pool = createPool({ size: options.pool, policy: { isolation, ...clampLimits({}, limits) } })
  }
  const sessions = new SessionStore({
    idleMs: options.sessionIdleMs ?? 10 * 60_000,
    maxSessions: options.maxSessions ?? 16,
    ...(options.maxSessionsPerKey !== undefined ? { maxPerOwner: options.maxSessionsPerKey } : {}),
  })
  const app = createApp({
    limits,
    queue: new RunQueue({
      maxRunning: maxConcurrency,
      maxWaiting: queue,
      maxPerKey: options.maxPerKey ?? maxConcurrency + queue,
    }),
    sessions,
    apiKeys: keys.length > 0 ? apiKeys(keys) : null,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    isolation,
    runtimes: options.runtimes ?? ['pyodide'],
    pool,
    version: options.version ?? 'unknown',
  })
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8080 }, () =>
      resolve(started),
    )
    started.once('error', reject)
  })
  // Slow or idle clients do not hold connections for Node's defaults (5 min for a request).
  const http = server as unknown as {
    requestTimeout: number
    headersTimeout: number
    maxConnections: number
  }
  http.requestTimeout = REQUEST_TIMEOUT_MS
  http.headersTimeout = HEADERS_TIMEOUT_MS
  http.maxConnections = MAX_CONNECTIONS
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Keep-alive connections would hold close() open until their clients leave.
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      await closed
      await Promise.all([pool?.close(), sessions.closeAll()])
    },
  }
}
