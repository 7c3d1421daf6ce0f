/**
 * The HTTP service as a Hono app, built from its dependencies so that tests can use it with or
 * without a socket. Routes (JSON unless said):
 *
 * - `GET /v1/health`: `{ ok, version, running, waiting, sessions }`, without a key.
 * - `GET /v1/openapi.json`, `GET /v1/schema`: the OpenAPI document and the JSON Schemas
 *   (openapi.ts), without a key.
 * - `POST /v1/run`: a one-shot run in a fresh sandbox; the body is {@link runRequestSchema}; the
 *   answer is the RunResult (a Python error is a result, not an HTTP error), or with `?stream=1`
 *   its output as it happens and then the result (run-response.ts).
 * - the sessions' routes (session-routes.ts).
 *
 * Every other `/v1` route needs a bearer key when the server has keys; bodies past the limit get
 * 413; a full queue, or a key with as many runs in flight as it may have, gets 429 with
 * Retry-After. Requests' limits are lowered to the server's maximums; a client that disconnects
 * stops its run.
 *
 * @module
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { SandboxPool } from '../api/pool.js'
import { run } from '../api/run.js'
import type { SessionStore } from '../api/session-store.js'
import type { IsolationMode } from '../isolation/layers.js'
import type { Runtime } from '../policy/resolve-policy.js'
import type { ApiKeys } from './api-keys.js'
import { errorResponse } from './http-errors.js'
import { jsonSchemas, openApiDocument } from './openapi.js'
import { registerPlayground } from './playground.js'
import { readBody } from './request-body.js'
import type { RunQueue } from './run-queue.js'
import {
  clampLimits,
  policyOf,
  refuseRuntime,
  runRequestSchema,
  type ServerLimits,
} from './run-request.js'
import { answerRun } from './run-response.js'
import { registerSessionRoutes } from './session-routes.js'

export interface AppDeps {
  /** The most a client may ask for. */
  limits: ServerLimits
  /** Admission of runs (concurrency, queue, per key). */
  queue: RunQueue
  sessions: SessionStore
  /** Null: no key is asked for (the server only listens on loopback then). */
  apiKeys: ApiKeys | null
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number
  isolation: IsolationMode
  /** The runtimes a request may ask for. */
  runtimes: readonly Runtime[]
  /** Warm sandboxes for runs that ask for nothing but the defaults, or null. */
  pool: SandboxPool | null
  version: string
}

export type AppEnv = { Variables: { key: string } }

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]
  return LOOPBACK_NAMES.has((name ?? '').toLowerCase())
}

/** Which one-shot runs a pool can serve: its sandboxes have the server's default policy. */
const POOLED_FIELDS = new Set(['code', 'filename', 'stdin', 'timeoutMs'])

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  // Without keys the server answers loopback clients only, and only under a loopback name: a web
  // page that rebinds its own domain to 127.0.0.1 reaches the socket, but with its own Host.
  if (deps.apiKeys === null) {
    app.use('*', async (c, next) => {
      if (!isLoopbackHost(c.req.header('host'))) {
        return errorResponse(
          c,
          403,
          'FORBIDDEN_HOST',
          'this server has no API keys and answers requests to 127.0.0.1, localhost or [::1] only',
        )
      }
      return next()
    })
  }

  app.get('/v1/health', (c) =>
    c.json({ ok: true, version: deps.version, ...deps.queue.stats, sessions: deps.sessions.size }),
  )

  // The documents describe the service, not its data: no key is needed to read them.
  const openApi = openApiDocument(deps.version)
  app.get('/v1/openapi.json', (c) => c.json(openApi))
  app.get('/v1/schema', (c) => c.json(jsonSchemas()))

  app.use('/v1/*', async (c, next) => {
    if (deps.apiKeys === null) {
      c.set('key', 'anonymous')
      return next()
    }
    const key = deps.apiKeys.identify(c.req.header('authorization'))
    if (key === null) {
      c.header('WWW-Authenticate', 'Bearer')
      return errorResponse(c, 401, 'UNAUTHORIZED', 'send an API key: Authorization: Bearer <key>')
    }
    c.set('key', key)
    return next()
  })

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: (c) =>
        errorResponse(
          c,
          413,
          'PAYLOAD_TOO_LARGE',
          `the request body is larger than ${deps.bodyLimitBytes} bytes, the most this server accepts`,
        ),
    }),
  )

  app.post('/v1/run', async (c) => {
    const body = await readBody(c, runRequestSchema)
    if ('response' in body) return body.response
    const request = body.data
    const refused = refuseRuntime(request.runtime, deps.runtimes)
    if (refused !== null) return errorResponse(c, 400, 'INVALID_REQUEST', refused)
    const { code, filename, stdin } = request
    const perRun = {
      ...(filename !== undefined ? { filename } : {}),
      ...(stdin !== undefined ? { stdin } : {}),
    }
    const pooled =
      deps.pool !== null && Object.keys(request).every((field) => POOLED_FIELDS.has(field))
    return answerRun(c, deps.queue.enter(c.get('key')), (callbacks) =>
      pooled && deps.pool !== null
        ? run(code, {
            pool: deps.pool,
            timeoutMs: clampLimits(request, deps.limits).timeoutMs,
            ...perRun,
            ...callbacks,
          })
        : run(code, { ...policyOf(request, deps.limits, deps.isolation), ...perRun, ...callbacks }),
    )
  })

  registerSessionRoutes(app, deps)
  registerPlayground(app)

  app.notFound((c) => errorResponse(c, 404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`))
  app.onError((_error, c) => errorResponse(c, 500, 'INTERNAL', 'the server failed'))
  return app
}
