/**
 * The host's own bounds on what a sandbox reports. The sandbox caps its value and tracebacks
 * itself, but it is untrusted (measured: a guest raised its own cap from inside), so every text
 * of an outcome is held to `maxValueBytes` here too: a value over it is no value, and the other
 * texts are cut.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import type { Outcome, PythonError } from '../protocol/messages.js'

export function boundOutcome(outcome: Outcome, maxBytes: number): Outcome {
  switch (outcome.kind) {
    case 'returned': {
      const fits = outcome.value === null || Buffer.byteLength(outcome.value) <= maxBytes
      return {
        kind: 'returned',
        value: fits ? outcome.value : null,
        valueRepr: outcome.valueRepr === null ? null : cut(outcome.valueRepr, maxBytes),
      }
    }
    case 'raised':
      return { ...outcome, error: boundError(outcome.error, maxBytes) }
    case 'exited':
    case 'interrupted':
      return { ...outcome, error: outcome.error && boundError(outcome.error, maxBytes) }
    case 'fatal':
      return { ...outcome, message: cut(outcome.message, maxBytes) }
    default:
      return outcome
  }
}

function boundError(error: PythonError, maxBytes: number): PythonError {
  return {
    type: cut(error.type, 200),
    message: cut(error.message, maxBytes),
    traceback: cut(error.traceback, maxBytes),
  }
}

const ELLIPSIS = '…'

/** At most `maxBytes` of UTF-8, cut on a character boundary and ending in '…' when cut. */
function cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  const room = Math.max(0, maxBytes - Buffer.byteLength(ELLIPSIS))
  const bytes = Buffer.from(text).subarray(0, room)
  return `${new TextDecoder().decode(bytes).replace(/\uFFFD$/, '')}${ELLIPSIS}`
}
