/**
 * Every error the service answers has one shape, `{ error: { code, message } }`, and the status
 * that says what went wrong: the client's request (4xx) or the host (5xx). A Python error is not
 * an HTTP error: the run's result says it, with status 200.
 *
 * @module
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { InvalidOptionsError, SandboxError } from '../errors.js'

export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] }
}

export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extra: Partial<ErrorBody['error']> = {},
): Response {
  return c.json({ error: { code, message, ...extra } } satisfies ErrorBody, status)
}

/** A library error as the client should see it. */
export function sandboxErrorResponse(c: Context, error: unknown): Response {
  if (error instanceof InvalidOptionsError) {
    return errorResponse(c, 400, error.code, error.message, { issues: [...error.issues] })
  }
  if (error instanceof SandboxError) {
    switch (error.code) {
      case 'INVALID_OPTIONS':
        return errorResponse(c, 400, error.code, error.message)
      case 'ISOLATION_UNAVAILABLE':
        return errorResponse(c, 503, error.code, error.message)
      default:
        return errorResponse(c, 500, error.code, error.message)
    }
  }
  return errorResponse(c, 500, 'INTERNAL', 'the server failed to run the request')
}
