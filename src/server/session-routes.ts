/**
 * The stateful sessions of the HTTP service: one sandbox per session, its state kept across
 * requests until it is deleted or has been idle for the server's TTL.
 *
 * - `POST /v1/sessions` (a sandbox policy, as `/v1/run` takes it without code) → 201 `{id, idleTimeoutMs}`
 * - `POST /v1/sessions/:id/run` `{code, filename?, stdin?, timeoutMs?}` → the RunResult (`?stream=1`)
 * - `POST /v1/sessions/:id/call` `{name, args?, timeoutMs?}` → the RunResult
 * - `PUT /v1/sessions/:id/files/<path>` (the raw bytes) → 204; `GET` → the bytes
 * - `DELETE /v1/sessions/:id` → 204
 *
 * A session's runs take places in the server's queue like one-shot runs. A session of another key
 * is answered 404, as one that does not exist.
 *
 * @module
 */
import type { Hono } from 'hono'
import { Sandbox } from '../api/sandbox.js'
import { SandboxError } from '../errors.js'
import type { AppDeps, AppEnv } from './app.js'
import { errorResponse, sandboxErrorResponse } from './http-errors.js'
import { readBody } from './request-body.js'
import {
  clampLimits,
  policyOf,
  refuseRuntime,
  sandboxRequestSchema,
  sessionCallSchema,
  sessionRunSchema,
} from './run-request.js'
import { answerRun } from './run-response.js'

export function registerSessionRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { sessions } = deps

  app.post('/v1/sessions', async (c) => {
    const body = await readBody(c, sandboxRequestSchema)
    if ('response' in body) return body.response
    const refused = refuseRuntime(body.data.runtime, deps.runtimes)
    if (refused !== null) return errorResponse(c, 400, 'INVALID_REQUEST', refused)
    const place = sessions.reserve(c.get('key'))
    if ('refused' in place) {
      c.header('Retry-After', '1')
      return errorResponse(c, 429, 'BUSY', `${place.refused}: delete one, or try again later`)
    }
    // Starting a sandbox is a run's worth of work: it takes a place in the queue too.
    const admission = deps.queue.enter(c.get('key'))
    if (!admission.admitted) {
      place.release()
      c.header('Retry-After', '1')
      return errorResponse(c, 429, 'BUSY', `${admission.reason}: try again later`)
    }
    const signal = c.req.raw.signal
    try {
      await admission.turn
      if (signal.aborted) return errorResponse(c, 400, 'CLIENT_GONE', 'the client left')
      const sandbox = await Sandbox.create(policyOf(body.data, deps.limits, deps.isolation))
      if (signal.aborted) {
        await sandbox.close()
        return errorResponse(c, 400, 'CLIENT_GONE', 'the client left')
      }
      const id = sessions.add(sandbox, c.get('key'))
      return c.json({ id, idleTimeoutMs: sessions.idleMs }, 201)
    } catch (error) {
      return sandboxErrorResponse(c, error)
    } finally {
      place.release()
      admission.release()
    }
  })

  app.post('/v1/sessions/:id/run', async (c) => {
    const sandbox = sessions.use(c.req.param('id'), c.get('key'))
    if (sandbox === null) return noSession(c)
    const body = await readBody(c, sessionRunSchema)
    if ('response' in body) return body.response
    const { code, filename, stdin, timeoutMs } = body.data
    const { timeoutMs: clamped } = clampLimits({ timeoutMs }, deps.limits)
    return answerRun(c, deps.queue.enter(c.get('key')), (callbacks) =>
      sandbox.run(code, {
        timeoutMs: clamped,
        ...(filename !== undefined ? { filename } : {}),
        ...(stdin !== undefined ? { stdin } : {}),
        ...callbacks,
      }),
    )
  })

  app.post('/v1/sessions/:id/call', async (c) => {
    const sandbox = sessions.use(c.req.param('id'), c.get('key'))
    if (sandbox === null) return noSession(c)
    const body = await readBody(c, sessionCallSchema)
    if ('response' in body) return body.response
    const { name, args = [], timeoutMs } = body.data
    const { timeoutMs: clamped } = clampLimits({ timeoutMs }, deps.limits)
    return answerRun(c, deps.queue.enter(c.get('key')), (callbacks) =>
      sandbox.call(name, args, { timeoutMs: clamped, ...callbacks }),
    )
  })

  app.put('/v1/sessions/:id/files/*', async (c) => {
    const sandbox = sessions.use(c.req.param('id'), c.get('key'))
    if (sandbox === null) return noSession(c)
    try {
      await sandbox.writeFile(filePath(c.req.path), new Uint8Array(await c.req.arrayBuffer()))
      return c.body(null, 204)
    } catch (error) {
      return sandboxErrorResponse(c, error)
    }
  })

  app.get('/v1/sessions/:id/files/*', async (c) => {
    const sandbox = sessions.use(c.req.param('id'), c.get('key'))
    if (sandbox === null) return noSession(c)
    try {
      const data = await sandbox.readFile(filePath(c.req.path))
      return c.body(new Uint8Array(data), 200, { 'Content-Type': 'application/octet-stream' })
    } catch (error) {
      return sandboxErrorResponse(c, error)
    }
  })

  app.delete('/v1/sessions/:id', async (c) => {
    const closed = await sessions.close(c.req.param('id'), c.get('key'))
    return closed ? c.body(null, 204) : noSession(c)
  })
}

function noSession(c: Parameters<typeof errorResponse>[0]): Response {
  return errorResponse(
    c,
    404,
    'NO_SESSION',
    'no such session: it was deleted, expired after its idle time, or belongs to another key',
  )
}

/** The scratch-dir path after `/files/` in the request path, decoded. */
function filePath(path: string): string {
  const encoded = path.slice(path.indexOf('/files/') + '/files/'.length)
  try {
    return decodeURIComponent(encoded)
  } catch {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `the file path ${encoded} is not valid percent-encoding`,
    )
  }
}
