/**
 * The one result every run returns, whatever the code did. The meaning of each status is decided
 * here, from the facts a runtime reports, for every runtime alike.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { measureJson } from '../protocol/json-shape.js'
import type { PythonError } from '../protocol/messages.js'
import type { IsolationLayer, RunReport } from '../runtimes/runtime.js'

/**
 * How a run ended:
 * - `ok`: it finished (or called `sys.exit(0)`);
 * - `error`: it raised an exception, or exited with a non-zero status;
 * - `timeout`: it passed its wall-clock limit;
 * - `memory_limit`: it needed more memory than the policy grants;
 * - `output_limit`: it wrote more than `maxOutputBytes` to stdout or stderr;
 * - `crashed`: the interpreter or its process died (fatal error, stack overflow, abort);
 * - `killed`: the caller aborted it, or something outside pyward killed the sandbox.
 */
export const RUN_STATUSES = [
  'ok',
  'error',
  'timeout',
  'memory_limit',
  'output_limit',
  'crashed',
  'killed',
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** The exception a run ended with: its type, message and traceback, naming the user's own file. */
export type { PythonError }

export interface RunUsage {
  /** Wall-clock time of the run, measured by the host. */
  wallMs: number
  /** CPU time the sandbox process used during the run, measured by the host (Linux; 0 elsewhere). */
  cpuMs: number
  /**
   * Peak memory, as the sandbox reports it: for `pyodide` the Python heap (the WebAssembly
   * memory, which never shrinks), for `native` the process's peak resident memory. A guest can
   * misstate it, and no limit depends on it.
   */
  memoryPeakBytes: number
}

export interface RunResult {
  status: RunStatus
  /** The program's exit status: 0, 1 for an uncaught exception, n for `sys.exit(n)`; null when it was stopped. */
  exitCode: number | null
  stdout: string
  stderr: string
  stdoutTruncated: boolean
  stderrTruncated: boolean
  /** The last expression's value (or `call()`'s return) as JSON; null when there is none or it is not JSON-representable. */
  value: unknown
  /** repr() of that value, whenever there is one (capped at `maxValueBytes`). */
  valueRepr: string | null
  error: PythonError | null
  usage: RunUsage
  runtime: 'pyodide' | 'native'
  /** The protections that were active around this run, outside in. */
  isolation: IsolationLayer[]
}

const HEAP_OUT_OF_MEMORY = /heap out of memory|Allocation failed|Cannot allocate|out of memory/i

export function toRunResult(
  report: RunReport,
  context: { runtime: 'pyodide' | 'native'; isolation: readonly IsolationLayer[] },
): RunResult {
  const make = (
    status: RunStatus,
    exitCode: number | null,
    extra: { error?: PythonError | null; value?: unknown; valueRepr?: string | null } = {},
  ): RunResult => ({
    status,
    exitCode,
    stdout: report.stdout,
    stderr: report.stderr,
    stdoutTruncated: report.stdoutTruncated,
    stderrTruncated: report.stderrTruncated,
    value: extra.value ?? null,
    valueRepr: extra.valueRepr ?? null,
    error: extra.error ?? null,
    usage: {
      wallMs: round(report.wallMs),
      cpuMs: round(report.cpuMs),
      memoryPeakBytes: report.heapBytes,
    },
    runtime: context.runtime,
    isolation: [...context.isolation],
  })
  const stopped = (status: RunStatus, error: PythonError | null = null) =>
    make(status, null, { error })
  const outputLimited = report.stdoutTruncated || report.stderrTruncated

  if (report.stoppedBy === 'abort') return stopped('killed')
  if (report.stoppedBy === 'output' || (outputLimited && report.stoppedBy === null)) {
    return stopped('output_limit', outcomeError(report))
  }
  if (report.stoppedBy === 'timeout') return stopped('timeout')
  if (report.stoppedBy === 'memory') return stopped('memory_limit')
  if (report.stoppedBy === 'violation') {
    return stopped('crashed', {
      type: 'SandboxCrash',
      message: 'the sandbox broke the protocol and was killed',
      traceback: report.processExit?.diagnostics ?? '',
    })
  }

  const outcome = report.outcome
  if (outcome === null) {
    const exit = report.processExit
    if (exit && HEAP_OUT_OF_MEMORY.test(exit.diagnostics)) return stopped('memory_limit')
    if (exit?.signal === 'SIGKILL') return stopped('killed')
    return stopped('crashed', {
      type: 'SandboxCrash',
      message: describeExit(exit),
      traceback: exit?.diagnostics.trim() ?? '',
    })
  }
  switch (outcome.kind) {
    case 'returned':
      return make('ok', 0, { value: parseValue(outcome.value), valueRepr: outcome.valueRepr })
    case 'raised':
      if (outcome.error.type === 'MemoryError' && report.memoryCapHit)
        return stopped('memory_limit', outcome.error)
      return make('error', 1, { error: outcome.error })
    case 'exited':
      return make(outcome.exitCode === 0 ? 'ok' : 'error', outcome.exitCode, {
        error: outcome.error,
      })
    case 'terminated':
      return make(outcome.exitCode === 0 ? 'ok' : 'error', outcome.exitCode)
    case 'interrupted':
      return stopped(outcome.reason === 'output' ? 'output_limit' : 'timeout', outcome.error)
    case 'fatal':
      if (report.memoryCapHit || HEAP_OUT_OF_MEMORY.test(outcome.message))
        return stopped('memory_limit')
      return stopped('crashed', { type: 'SandboxCrash', message: outcome.message, traceback: '' })
    default:
      return assertNever(outcome)
  }
}

function outcomeError(report: RunReport): PythonError | null {
  const outcome = report.outcome
  return outcome && 'error' in outcome ? outcome.error : null
}

/**
 * Nesting a value may have: deeper than this, nothing could serialise the result again (measured:
 * a value nested 500,000 deep made `JSON.stringify(result)` throw, and with it `--json`).
 */
export const MAX_VALUE_DEPTH = 1_000
/** Objects, arrays and separators of a value: past this, parsing costs the host more than it is worth. */
export const MAX_VALUE_TOKENS = 1_000_000

/**
 * The value's JSON, parsed; the sandbox is untrusted, so a malformed text, or one nested too
 * deep or too heavy to parse cheaply, is no value at all (its repr stays).
 */
function parseValue(text: string | null): unknown {
  if (text === null) return null
  const shape = measureJson(Buffer.from(text, 'utf8'), MAX_VALUE_TOKENS)
  if (shape.depth > MAX_VALUE_DEPTH || shape.tokens > MAX_VALUE_TOKENS) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function describeExit(exit: RunReport['processExit']): string {
  if (!exit) return 'the sandbox process ended'
  return exit.signal
    ? `the sandbox process was ended by ${exit.signal}`
    : `the sandbox process exited with code ${exit.code}`
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

function assertNever(value: never): never {
  throw new Error(`unhandled outcome ${JSON.stringify(value)}`)
}
