/**
 * How the CLI shows results and failures to a person: the program's own output was already
 * streamed; here come the traceback (as python3 prints it) and a one-line note when pyward stopped
 * the run, all on stderr so stdout stays the program's.
 *
 * @module
 */
import type { RunResult } from '../api/run-result.js'
import { InvalidOptionsError, SandboxError } from '../errors.js'
import { EXIT_CODES } from './exit-codes.js'
import { FLAG_NAMES } from './policy-flags.js'

const NOTES: Partial<Record<RunResult['status'], (result: RunResult) => string>> = {
  timeout: (r) =>
    `the run passed its time limit (${(r.usage.wallMs / 1000).toFixed(1)} s) and was stopped`,
  memory_limit: () => 'the run needed more memory than the limit (--memory) and was stopped',
  output_limit: () => 'the run wrote more than the output limit (--max-output) and was stopped',
  crashed: (r) => `the interpreter crashed: ${r.error?.message ?? 'no details'}`,
  killed: () => 'the run was killed',
}

/** Writes the traceback and any note about a stopped run to stderr. */
export function reportRun(result: RunResult, stderr: NodeJS.WritableStream = process.stderr): void {
  if (result.stdoutTruncated || result.stderrTruncated) stderr.write('\n')
  if (result.error?.traceback && result.status !== 'crashed')
    stderr.write(ensureNewline(result.error.traceback))
  const note = NOTES[result.status]?.(result)
  if (note) stderr.write(`pyward: ${note}\n`)
}

/** Writes a host-side failure to stderr and returns the exit code it maps to. */
export function reportFailure(
  error: unknown,
  stderr: NodeJS.WritableStream = process.stderr,
): number {
  if (error instanceof InvalidOptionsError) {
    const lines = error.issues.map((issue) => {
      const [head, ...rest] = issue.path.split('.')
      const flag = (head && FLAG_NAMES[head]) ?? head ?? '(options)'
      return `  ${[flag, ...rest].join('.')}: ${issue.message}`
    })
    stderr.write(`pyward: invalid options:\n${lines.join('\n')}\n`)
    return EXIT_CODES.usage
  }
  if (error instanceof SandboxError) {
    stderr.write(`pyward: ${error.message}\n`)
    return error.code === 'INVALID_OPTIONS' ? EXIT_CODES.usage : EXIT_CODES.hostFailure
  }
  stderr.write(
    `pyward: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  return EXIT_CODES.hostFailure
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}
