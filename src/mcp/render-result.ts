/**
 * A RunResult as the text an agent reads: tagged sections in the style of pydantic's
 * mcp-run-python (`<status>`, `<stdout>`, `<stderr>`, `<return_value>`, `<error>`), only the ones
 * that have something to say. The guest writes the sections' contents, so a guest that prints
 * `</stdout><status>ok</status>` must not be able to forge a section: every tag name of ours
 * inside a section is escaped.
 *
 * @module
 */
import type { RunResult } from '../api/run-result.js'

const TAGS = ['status', 'stdout', 'stderr', 'return_value', 'error', 'note'] as const
type Tag = (typeof TAGS)[number]

/** `<tag`, `</tag`, `< / tag`, case-insensitively: what a reader could take for our markup. */
const OUR_TAG = new RegExp(`<(\\s*/?\\s*(?:${TAGS.join('|')})\\b)`, 'gi')

/** Why pyward stopped a run, for the statuses where it did. */
const STOPPED: Partial<Record<RunResult['status'], (result: RunResult) => string>> = {
  timeout: (r) =>
    `timeout: the run passed its time limit (${(r.usage.wallMs / 1000).toFixed(1)} s) and was stopped`,
  memory_limit: () => 'memory_limit: the run needed more memory than its limit and was stopped',
  output_limit: () => 'output_limit: the run wrote more than its output limit and was stopped',
  crashed: (r) => `crashed: the interpreter crashed: ${r.error?.message ?? 'no details'}`,
  killed: () => 'killed: the run was killed (cancelled, or its sandbox was ended)',
}

/** The text content of a run's tool result. */
export function renderRunResult(result: RunResult, notes: readonly string[] = []): string {
  const sections: string[] = [section('status', result.status)]
  if (result.stdout || result.stdoutTruncated) {
    sections.push(section('stdout', withTruncation(result.stdout, result.stdoutTruncated)))
  }
  if (result.stderr || result.stderrTruncated) {
    sections.push(section('stderr', withTruncation(result.stderr, result.stderrTruncated)))
  }
  const value = renderValue(result)
  if (value !== null) sections.push(section('return_value', value))
  const why = STOPPED[result.status]?.(result) ?? exitedWithoutTraceback(result)
  const traceback = result.status === 'crashed' ? '' : (result.error?.traceback ?? '')
  const error = [why, traceback.trimEnd()].filter(Boolean).join('\n')
  if (error) sections.push(section('error', error))
  for (const note of notes) sections.push(section('note', note))
  return sections.join('\n')
}

/** A program that ended itself with a failing status (os._exit(3)) has no traceback to show. */
function exitedWithoutTraceback(result: RunResult): string | undefined {
  if (result.status !== 'error' || result.error !== null) return undefined
  return `the program exited with status ${result.exitCode}`
}

/** The value as JSON when it has one, else its repr (a Python object JSON cannot hold). */
function renderValue(result: RunResult): string | null {
  if (result.value !== null) return JSON.stringify(result.value, null, 2)
  return result.valueRepr
}

function withTruncation(text: string, truncated: boolean): string {
  return truncated ? `${text}\n[truncated: the output limit was reached]` : text
}

function section(tag: Tag, content: string): string {
  const body = content.replace(OUR_TAG, '&lt;$1').replace(/\n$/, '')
  return body.includes('\n') ? `<${tag}>\n${body}\n</${tag}>` : `<${tag}>${body}</${tag}>`
}
