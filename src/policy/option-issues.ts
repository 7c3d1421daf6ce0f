/**
 * Turns a zod failure into {@link InvalidOptionsError}: one line per bad option, naming the option,
 * what is wrong, and the value received.
 *
 * @module
 */
import type { z } from 'zod'
import { InvalidOptionsError, type OptionIssue } from '../errors.js'

/** Parses `input` with `schema`, or throws InvalidOptionsError listing every problem. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): z.output<S> {
  const parsed = schema.safeParse(input ?? {}, { reportInput: true })
  if (parsed.success) return parsed.data
  throw new InvalidOptionsError(
    parsed.error.issues.map((issue) => describeIssue(issue, prefix)),
    {
      cause: parsed.error,
    },
  )
}

function describeIssue(issue: z.core.$ZodIssue, prefix: string): OptionIssue {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.')
  if (issue.code === 'unrecognized_keys') {
    return {
      path: path || '(options)',
      message: `unknown option ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: check its spelling against the documented options`,
    }
  }
  const received =
    'input' in issue && issue.input !== undefined ? ` (received ${preview(issue.input)})` : ''
  return { path, message: `${issue.message}${received}` }
}

/** A short, safe rendering of a received value for an error message. */
function preview(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  let text: string
  try {
    text =
      typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
