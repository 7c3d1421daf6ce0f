/**
 * What the MCP tools accept and answer, as zod shapes: the SDK validates every call's arguments
 * with them and publishes them as JSON Schema in `tools/list`. Field names are snake_case, the
 * shape agents already send to `run_python_code` (pydantic's mcp-run-python); what a run answers
 * is pyward's own {@link RunResult}, as the library, `--json` and the HTTP service give it.
 *
 * @module
 */
import { z } from 'zod'
import { runResultSchema } from '../api/run-result-schema.js'
import * as limits from '../policy/limits.js'

/** A Python identifier: the only names that can be globals the code refers to. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

const pythonCode = z.string().describe('Python source to run. The last expression is its value.')

const globalVariables = z
  .record(
    z.string().regex(IDENTIFIER, { error: 'global variable names must be Python identifiers' }),
    z.unknown(),
  )
  .optional()
  .describe(
    'JSON values made Python globals before the code runs, by name (objects become dicts, arrays lists).',
  )

const sessionId = z.string().min(1).describe('The id that create_session returned.')

/** `run_python_code`: a one-shot run in a fresh sandbox. */
export const runPythonCodeInput = {
  python_code: pythonCode,
  global_variables: globalVariables,
}

/** `create_session`: a sandbox kept for later runs, with limits at most the server's. */
export const createSessionInput = {
  timeout_seconds: z
    .number()
    .positive()
    .optional()
    .describe(
      "Wall-clock limit of each run in the session; at most (and by default) the server's.",
    ),
  memory_mb: z
    .int()
    .min(limits.MIN_MEMORY_MB)
    .max(limits.MAX_MEMORY_MB)
    .optional()
    .describe(
      "Memory for the session's Python heap, in MB; at most (and by default) the server's.",
    ),
}

/** `run_in_session`: a run in a session's interpreter, whose globals last between runs. */
export const runInSessionInput = {
  session_id: sessionId,
  python_code: pythonCode,
  global_variables: globalVariables,
}

/** `close_session`: ends a session and its sandbox. */
export const closeSessionInput = {
  session_id: sessionId,
}

/** The structured answer of a run: the {@link RunResult}, field for field. */
export const runResultOutput = runResultSchema.shape

/** The structured answer of `create_session`. */
export const createSessionOutput = {
  session_id: sessionId,
  timeout_seconds: z.number(),
  memory_mb: z.number(),
}

/** The structured answer of `close_session`. */
export const closeSessionOutput = {
  session_id: sessionId,
  closed: z.literal(true),
}
