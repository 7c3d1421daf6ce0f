/**
 * The HTTP service as a Hono app, built from its dependencies so that tests can use it with or
 * without a socket. Routes (all JSON):
 *
 * - `GET /v1/health`: `{ ok, version, running, waiting }`.
 * - `POST /v1/run`: a one-shot run in a fresh sandbox; the body is {@link runRequestSchema}; the
 *   answer is the RunResult (whatever the Python did: a Python error is a result, not an HTTP
 *   error). Limits are lowered to the server's maximums. A client that disconnects stops its run.
 *
 * Every `/v1` route but health needs a bearer key when the server has keys; bodies past the limit
 * get 413; a full queue, or a key with too many runs in flight, gets 429 with Retry-After.
 *
 * @module
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { SandboxPool } from '../api/pool.js'
import { run } from '../api/run.js'
import type { RunResult } from '../api/run-result.js'
import type { IsolationMode } from '../isolation/layers.js'
import type { ApiKeys } from './api-keys.js'
import { errorResponse, sandboxErrorResponse } from './http-errors.js'
import type { RunQueue } from './run-queue.js'
import { clampLimits, type RunRequest, runRequestSchema, type ServerLimits } from './run-request.js'

export interface AppDeps {
  /** The most a client may ask for. */
  limits: ServerLimits
  /** Admission of runs (concurrency, queue, per key). */
  queue: RunQueue
  /** Null: no key is asked for (the server only listens on loopback then). */
  apiKeys: ApiKeys | null
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number
  isolation: IsolationMode
  /** Warm sandboxes for runs that ask for nothing but the defaults, or null. */
  pool: SandboxPool | null
  version: string
}

/** Seconds a refused client should wait before it asks again. */
const RETRY_AFTER_S = 1

type Env = { Variables: { key: string } }

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>()

  app.get('/v1/health', (c) => c.json({ ok: true, version: deps.version, ...deps.queue.stats }))

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

  app.post(
    '/v1/run',
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
    async (c) => {
      let body: unknown
      try {
        body = await c.req.json()
      } catch {
        return errorResponse(c, 400, 'INVALID_REQUEST', 'the body must be JSON')
      }
      const parsed = runRequestSchema.safeParse(body)
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({
          path: issue.path.join('.') || '(body)',
          message: issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : issue.message,
        }))
        const lines = issues.map((issue) => `${issue.path}: ${issue.message}`)
        return errorResponse(
          c,
          400,
          'INVALID_REQUEST',
          `invalid run request: ${lines.join('; ')}`,
          {
            issues,
          },
        )
      }
      const admission = deps.queue.enter(c.get('key'))
      if (!admission.admitted) {
        c.header('Retry-After', String(RETRY_AFTER_S))
        return errorResponse(c, 429, 'BUSY', `${admission.reason}: try again later`)
      }
      const signal = c.req.raw.signal
      try {
        await admission.turn
        if (signal.aborted)
          return errorResponse(c, 400, 'CLIENT_GONE', 'the client left before its turn')
        return c.json(await runRequest(parsed.data, deps, signal))
      } catch (error) {
        return sandboxErrorResponse(c, error)
      } finally {
        admission.release()
      }
    },
  )

  app.notFound((c) => errorResponse(c, 404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`))
  app.onError((_error, c) => errorResponse(c, 500, 'INTERNAL', 'the server failed'))
  return app
}

/** Policy options that name host resources: the operator's, set when the server starts. */
const OPERATOR_OPTIONS = new Set(['mounts', 'python', 'sitePackages', 'isolation'])

function unknownFields(keys: readonly string[]): string {
  const operator = keys.filter((key) => OPERATOR_OPTIONS.has(key))
  if (operator.length > 0) {
    return `${operator.join(', ')} cannot be set by a request: the server's operator sets them when it starts`
  }
  return `unknown field(s) ${keys.map((key) => JSON.stringify(key)).join(', ')}: check the spelling`
}

/** Which runs a pool can serve: its sandboxes have the server's default policy. */
const POOLED_FIELDS = new Set(['code', 'filename', 'stdin', 'timeoutMs'])

function runRequest(request: RunRequest, deps: AppDeps, signal: AbortSignal): Promise<RunResult> {
  const limits = clampLimits(request, deps.limits)
  const { code, filename, stdin } = request
  const perRun = {
    ...(filename !== undefined ? { filename } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    signal,
  }
  if (deps.pool !== null && Object.keys(request).every((field) => POOLED_FIELDS.has(field))) {
    return run(code, { pool: deps.pool, timeoutMs: limits.timeoutMs, ...perRun })
  }
  return run(code, {
    isolation: deps.isolation,
    ...(request.runtime !== undefined ? { runtime: request.runtime } : {}),
    ...limits,
    ...(request.env !== undefined ? { env: request.env } : {}),
    ...(request.files !== undefined ? { files: request.files } : {}),
    ...(request.recursionLimit !== undefined ? { recursionLimit: request.recursionLimit } : {}),
    ...perRun,
  })
}
