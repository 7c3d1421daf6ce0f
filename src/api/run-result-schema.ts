/**
 * The RunResult as a zod schema, for the entry points that publish its shape (the HTTP service's
 * OpenAPI document, the MCP tools' output schema). The TypeScript type in run-result.ts is the
 * source; the lists here come from the same constants, and the service's tests hold every answer
 * to this schema, so the two cannot drift apart unseen.
 *
 * @module
 */
import { z } from 'zod'
import { ISOLATION_LAYERS } from '../isolation/layers.js'
import { RUNTIMES } from '../policy/schema.js'
import { RUN_STATUSES } from './run-result.js'

const pythonError = z.object({ type: z.string(), message: z.string(), traceback: z.string() })

export const runResultSchema = z
  .object({
    status: z
      .enum(RUN_STATUSES)
      .describe('How the run ended; anything but "ok" means pyward or the Python stopped it.'),
    exitCode: z.int().nullable(),
    stdout: z.string(),
    stderr: z.string(),
    stdoutTruncated: z.boolean(),
    stderrTruncated: z.boolean(),
    value: z.unknown().describe("The last expression's value as JSON, or null."),
    valueRepr: z.string().nullable().describe('repr() of that value, whenever there is one.'),
    error: pythonError.nullable(),
    usage: z.object({ wallMs: z.number(), cpuMs: z.number(), memoryPeakBytes: z.number() }),
    runtime: z.enum(RUNTIMES),
    isolation: z
      .array(z.enum(ISOLATION_LAYERS))
      .describe('The protections around the run, outside in.'),
  })
  .strict()
