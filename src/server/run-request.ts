/**
 * What an HTTP client may ask of a run, and how it becomes a policy: the request schema (a subset
 * of the policy's, from the same schema) and the clamping of its limits to the server's maximums.
 * Nothing that names a host path is accepted from a client: no mounts, no interpreter, no
 * site-packages. Those are the operator's, set when the server starts.
 *
 * @module
 */
import { z } from 'zod'
import type { SandboxOptions } from '../api/options.js'
import type { IsolationMode } from '../isolation/layers.js'
import { policySchema, runSettingsSchema } from '../policy/schema.js'

const policy = policySchema.shape

const code = z.string({ error: 'must be the Python source to run (a string)' })
const stdin = z.string({ error: 'must be a string (UTF-8)' }).optional()

/** A sandbox's policy as a client may ask for it (`POST /v1/sessions`). */
export const sandboxRequestSchema = z
  .object({
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

/** The body of `POST /v1/run`: the code, and the policy of its fresh sandbox. */
export const runRequestSchema = sandboxRequestSchema
  .extend({ code, filename: runSettingsSchema.shape.filename, stdin })
  .strict()

/** The body of `POST /v1/sessions/:id/run`. */
export const sessionRunSchema = z
  .object({
    code,
    filename: runSettingsSchema.shape.filename,
    stdin,
    timeoutMs: policy.timeoutMs.unwrap().optional(),
  })
  .strict()

/** The body of `POST /v1/sessions/:id/call`. */
export const sessionCallSchema = z
  .object({
    name: z.string({ error: 'must be the name of a function (a string)' }),
    args: z.array(z.unknown(), { error: 'must be an array of JSON values' }).optional(),
    timeoutMs: policy.timeoutMs.unwrap().optional(),
  })
  .strict()

export type SandboxRequest = z.infer<typeof sandboxRequestSchema>
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

/**
 * Why a request may not have `runtime`, or null when it may. The native runtime has the OS
 * layers only (no WebAssembly boundary): a server offers it only when its operator says so.
 */
export function refuseRuntime(
  runtime: SandboxRequest['runtime'],
  allowed: readonly NonNullable<SandboxRequest['runtime']>[],
): string | null {
  const asked = runtime ?? 'pyodide'
  if (allowed.includes(asked)) return null
  return `runtime: "${asked}" is not offered by this server (it offers ${allowed.map((name) => `"${name}"`).join(', ')}; its operator enables others with --runtimes)`
}

/** The policy of a sandbox a client asked for: its limits lowered, the operator's isolation. */
export function policyOf(
  request: SandboxRequest,
  maximums: ServerLimits,
  isolation: IsolationMode,
): SandboxOptions {
  const { runtime, env, files, recursionLimit } = request
  return {
    isolation,
    ...clampLimits(request, maximums),
    ...(runtime !== undefined ? { runtime } : {}),
    ...(env !== undefined ? { env } : {}),
    ...(files !== undefined ? { files } : {}),
    ...(recursionLimit !== undefined ? { recursionLimit } : {}),
  }
}

/** The limits of a run: what the client asked for, lowered to the server's maximums. */
export function clampLimits(
  request: Pick<SandboxRequest, keyof ServerLimits>,
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
