/**
 * A flag that takes a whole number within bounds: its value, with a problem recorded (naming the
 * flag, the range and what was received) when the text is not one.
 *
 * @module
 */
import type { OptionIssue } from '../errors.js'

export function wholeNumberFlag(
  flag: string,
  text: string,
  min: number,
  max: number,
  issues: OptionIssue[],
): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path: flag,
      message: `must be a whole number from ${min} to ${max} (received ${JSON.stringify(text)})`,
    })
  }
  return value
}
