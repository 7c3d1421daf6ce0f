/**
 * A request's JSON body, checked against its schema: the data, or the 400 answer naming each bad
 * field (and saying so when a field is one only the operator may set).
 *
 * @module
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { errorResponse } from './http-errors.js'

/** Policy options that name host resources: the operator's, set when the server starts. */
const OPERATOR_OPTIONS = new Set(['mounts', 'python', 'sitePackages', 'isolation'])

export async function readBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<{ data: z.infer<T> } | { response: Response }> {
  // A browser sends a cross-site POST of text/plain without asking first; JSON it must ask for.
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return {
      response: errorResponse(
        c,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the body as JSON, with Content-Type: application/json',
      ),
    }
  }
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    return { response: errorResponse(c, 400, 'INVALID_REQUEST', 'the body must be JSON') }
  }
  const parsed = schema.safeParse(body)
  if (parsed.success) return { data: parsed.data }
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : issue.message,
  }))
  const lines = issues.map((issue) => `${issue.path}: ${issue.message}`)
  return {
    response: errorResponse(c, 400, 'INVALID_REQUEST', `invalid request: ${lines.join('; ')}`, {
      issues,
    }),
  }
}

function unknownFields(keys: readonly string[]): string {
  const operator = keys.filter((key) => OPERATOR_OPTIONS.has(key))
  if (operator.length > 0) {
    return `${operator.join(', ')} cannot be set by a request: the server's operator sets them when it starts`
  }
  return `unknown field(s) ${keys.map((key) => JSON.stringify(key)).join(', ')}: check the spelling`
}
