/**
 * What an HTTP client may ask of a run, and how it becomes a policy: the request schema (a subset
 * of the policy's, from the same schema) and the clamping of its limits to the server's maximums.
 * Nothing that names a host path is accepted from a client: no mounts, no interpreter, no
 * site-packages. Those are the operator's, set when the server starts.
 *
 * @module
 */
import { z } from 'zod'
import { policySchema, runSettingsSchema } from '../policy/schema.js'

const policy = policySchema.shape

/** The body of `POST /v1/run`. */
export const runRequestSchema = z
  .object({
    code: z.string({ error: 'must be the Python source to run (a string)' }),
    filename: runSettingsSchema.shape.filename,
    stdin: z.string({ error: 'must be a string (UTF-8)' }).optional(),
    files: z
      .record(z.string(), z.string({ error: 'file contents must be strings (UTF-8)' }), {
        error: 'must be an object of path: contents',
      })
      .optional(),
    env: policy.env.unwrap().optional(),
    runtime: policy.runtime.unwrap().optional(),
    timeoutMs: policy.timeoutMs.unwrap().optional(),
    memoryMb: policy.memoryMb.unwrap().optional(),
    maxOutputBytes: policy.maxOutputBytes.unwrap().optional(),
    maxValueBytes: policy.maxValueBytes.unwrap().optional(),
    recursionLimit: policy.recursionLimit.unwrap().optional(),
  })
  .strict()

export type RunRequest = z.infer<typeof runRequestSchema>

/** The most a client may ask for; requests above are lowered to these. */
export interface ServerLimits {
  timeoutMs: number
  memoryMb: number
  maxOutputBytes: number
  maxValueBytes: number
}

/** What the server uses when a client asks for nothing: the library's defaults. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  timeoutMs: 30_000,
  memoryMb: 512,
  maxOutputBytes: 1024 * 1024,
  maxValueBytes: 1024 * 1024,
}

/** The limits of a run: what the client asked for, lowered to the server's maximums. */
export function clampLimits(
  request: Pick<RunRequest, keyof ServerLimits>,
  maximums: ServerLimits,
): Partial<ServerLimits> {
  const clamped: Partial<ServerLimits> = {}
  for (const key of Object.keys(maximums) as (keyof ServerLimits)[]) {
    const asked = request[key]
    // Unset stays unset (the library's default), unless the default is above the maximum.
    const value = asked ?? defaultOf(key)
    clamped[key] = Math.min(value, maximums[key])
  }
  return clamped
}

function defaultOf(key: keyof ServerLimits): number {
  return policySchema.shape[key].parse(undefined) as number
}
