/**
 * The MCP server: pyward's runs as MCP tools, built from its dependencies (the policy, the
 * session cap) and not yet connected, so that any transport can carry it.
 *
 * Tools:
 * - `run_python_code` `{python_code, global_variables?}`: a one-shot run in a fresh sandbox.
 * - `create_session` `{timeout_seconds?, memory_mb?}` → `{session_id, timeout_seconds, memory_mb}`.
 * - `run_in_session` `{session_id, python_code, global_variables?}`: a run whose globals last.
 * - `close_session` `{session_id}` → `{session_id, closed}`.
 *
 * A run answers its RunResult as `structuredContent` and as tagged text (see renderRunResult).
 * What the Python code did is in the result: any status but `ok` (an exception, a limit, a crash)
 * is an `isError` result naming it, as is a failure of the host (a sandbox that cannot start, an
 * unknown session); the JSON-RPC call itself succeeds either way, as MCP asks of tool errors.
 *
 * @module
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { RunResult } from '../api/run-result.js'
import { Sandbox } from '../api/sandbox.js'
import { SandboxError } from '../errors.js'
import * as limits from '../policy/limits.js'
import type { PolicyOptions } from '../policy/schema.js'
import { runWithGlobals } from './global-variables.js'
import { renderRunResult } from './render-result.js'
import { SessionRefusedError, SessionRegistry } from './session-registry.js'
import {
  closeSessionInput,
  closeSessionOutput,
  createSessionInput,
  createSessionOutput,
  runInSessionInput,
  runPythonCodeInput,
  runResultOutput,
} from './tool-schemas.js'

export interface McpServerDeps {
  /** The policy of every sandbox. Its `timeoutMs` and `memoryMb` are the most a session may ask. */
  policy: PolicyOptions
  /** Live sessions allowed at once. */
  maxSessions: number
  /** Reported to clients in `initialize`. */
  version: string
}

export interface PywardMcpServer {
  /** Connect it to a transport: `await mcp.server.connect(new StdioServerTransport())`. */
  readonly server: McpServer
  /** Stops runs in flight, closes every session and then the connection. */
  close(): Promise<void>
}

export function createMcpServer(deps: McpServerDeps): PywardMcpServer {
  const sessions = new SessionRegistry(deps.maxSessions)
  // Aborted on close: runs in flight end (killed) instead of outliving the server.
  const closing = new AbortController()
  const ceiling = {
    timeoutMs: deps.policy.timeoutMs ?? limits.DEFAULT_TIMEOUT_MS,
    memoryMb: deps.policy.memoryMb ?? limits.DEFAULT_MEMORY_MB,
  }
  const limitsText = `Each run may use up to ${ceiling.timeoutMs / 1000} s and ${ceiling.memoryMb} MB of memory.`
  const server = new McpServer(
    { name: 'pyward', version: deps.version },
    {
      instructions:
        'Run Python code in a sandbox: call "run_python_code" for a one-off run; for state kept between runs, "create_session", then "run_in_session", and "close_session" when done.',
    },
  )
  const signalFor = (request: AbortSignal) => AbortSignal.any([request, closing.signal])

  server.registerTool(
    'run_python_code',
    {
      title: 'Run Python code',
      description: `Runs Python code in a fresh sandbox (no network, only its own files) and returns stdout, stderr, the value of the last expression and any error. Nothing persists between calls: use a session for that. ${limitsText}`,
      inputSchema: runPythonCodeInput,
      outputSchema: runResultOutput,
      annotations: { openWorldHint: false },
    },
    ({ python_code, global_variables }, extra) =>
      answering(async () => {
        const sandbox = await Sandbox.create(deps.policy)
        try {
          const signal = signalFor(extra.signal)
          return runAnswer(await runWithGlobals(sandbox, python_code, global_variables, { signal }))
        } finally {
          await sandbox.close()
        }
      }),
  )

  server.registerTool(
    'create_session',
    {
      title: 'Create a Python session',
      description: `Starts a sandboxed Python interpreter whose globals last from one run_in_session to the next, and returns its session_id. Close it with close_session when done: at most ${deps.maxSessions} sessions may be open. ${limitsText}`,
      inputSchema: createSessionInput,
      outputSchema: createSessionOutput,
      annotations: { openWorldHint: false },
    },
    ({ timeout_seconds, memory_mb }) =>
      answering(async () => {
        // Asked-for limits are lowered to the server's: an agent cannot raise its own.
        const timeoutMs = Math.min(
          ceiling.timeoutMs,
          Math.max(1, Math.round((timeout_seconds ?? Number.POSITIVE_INFINITY) * 1000)),
        )
        const memoryMb = Math.min(ceiling.memoryMb, memory_mb ?? Number.POSITIVE_INFINITY)
        const id = await sessions.open(() =>
          Sandbox.create({ ...deps.policy, timeoutMs, memoryMb }),
        )
        const answer = { session_id: id, timeout_seconds: timeoutMs / 1000, memory_mb: memoryMb }
        return {
          content: [
            {
              type: 'text',
              text: `Created session ${id} (each run: at most ${answer.timeout_seconds} s, ${memoryMb} MB). Run code with run_in_session; close it with close_session when done.`,
            },
          ],
          structuredContent: answer,
        }
      }),
  )

  server.registerTool(
    'run_in_session',
    {
      title: 'Run Python code in a session',
      description:
        "Runs Python code in a session's interpreter: the globals of earlier runs are there, and this run's stay. Returns stdout, stderr, the value of the last expression and any error.",
      inputSchema: runInSessionInput,
      outputSchema: runResultOutput,
      annotations: { openWorldHint: false },
    },
    ({ session_id, python_code, global_variables }, extra) =>
      answering(async () => {
        const sandbox = sessions.get(session_id)
        if (sandbox === undefined) return failure(noSession(session_id))
        let result: RunResult
        try {
          const signal = signalFor(extra.signal)
          result = await runWithGlobals(sandbox, python_code, global_variables, { signal })
        } catch (error) {
          if (!(error instanceof SandboxError && error.code === 'SANDBOX_CLOSED')) throw error
          await sessions.close(session_id)
          return failure(`${error.message} Session ${session_id} is gone.`)
        }
        // A run that ended its sandbox (killed, crashed, past a hard limit) ended the session too.
        if (!sandbox.closed) return runAnswer(result)
        await sessions.close(session_id)
        return runAnswer(result, [
          `Session ${session_id} ended (${sandbox.closedReason}) and its state is gone: create a new session.`,
        ])
      }),
  )

  server.registerTool(
    'close_session',
    {
      title: 'Close a Python session',
      description: 'Ends a session and its sandbox; its state is gone.',
      inputSchema: closeSessionInput,
      outputSchema: closeSessionOutput,
      annotations: { openWorldHint: false },
    },
    async ({ session_id }) => {
      if (!(await sessions.close(session_id))) return failure(noSession(session_id))
      return {
        content: [{ type: 'text', text: `Closed session ${session_id}.` }],
        structuredContent: { session_id, closed: true },
      }
    },
  )

  return {
    server,
    async close() {
      closing.abort()
      await sessions.closeAll()
      await server.close()
    },
  }
}

function runAnswer(result: RunResult, notes: readonly string[] = []): CallToolResult {
  return {
    content: [{ type: 'text', text: renderRunResult(result, notes) }],
    structuredContent: { ...result },
    isError: result.status !== 'ok',
  }
}

/** Host-side failures become error results with their message; anything else is a bug. */
async function answering(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof SandboxError) return failure(`pyward ${error.code}: ${error.message}`)
    if (error instanceof SessionRefusedError) return failure(error.message)
    throw error
  }
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true }
}

function noSession(id: string): string {
  return `No session ${JSON.stringify(id)}: it was closed or never created. Create one with create_session.`
}
