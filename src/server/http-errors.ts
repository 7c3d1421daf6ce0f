/**
 * Every error the service answers has one shape, `{ error: { code, message } }`, and the status
 * that says what went wrong: the client's request (4xx) or the host (5xx). A Python error is not
 * an HTTP error: the run's result says it, with status 200.
 *
 * @module
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { InvalidOptionsError, SandboxError, type SandboxErrorCode } from '../errors.js'

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

/** The status of each library error the client caused or should know of; the rest are 500. */
const STATUS_OF: Partial<Record<SandboxErrorCode, ContentfulStatusCode>> = {
  INVALID_OPTIONS: 400,
  FILE_TOO_LARGE: 400,
  FILE_NOT_FOUND: 404,
  SANDBOX_CLOSED: 410,
  ISOLATION_UNAVAILABLE: 503,
}

/** A library error as the client should see it: the status and the body's error. */
export function describeSandboxError(error: unknown): {
  status: ContentfulStatusCode
  error: ErrorBody['error']
} {
  if (error instanceof InvalidOptionsError) {
    return {
      status: 400,
      error: { code: error.code, message: error.message, issues: [...error.issues] },
    }
  }
  if (error instanceof SandboxError) {
    const status = STATUS_OF[error.code] ?? 500
    return { status, error: { code: error.code, message: error.message } }
  }
  return {
    status: 500,
    error: { code: 'INTERNAL', message: 'the server failed to run the request' },
  }
}

export function sandboxErrorBody(error: unknown): ErrorBody['error'] {
  return describeSandboxError(error).error
}

export function sandboxErrorResponse(c: Context, error: unknown): Response {
  const { status, error: body } = describeSandboxError(error)
  return c.json({ error: body } satisfies ErrorBody, status)
}
