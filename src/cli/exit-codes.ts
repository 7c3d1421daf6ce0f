/**
 * The CLI's exit status. A run that ended on its own exits with the program's own status (0, 1 for
 * an uncaught exception, n for `sys.exit(n)`), as `python3` would; a run that pyward stopped, and a
 * failure of pyward itself, exit with a fixed code of their own.
 *
 * @module
 */
import type { RunResult } from '../api/run-result.js'

export const EXIT_CODES = {
  /** Bad flags or options: nothing ran. */
  usage: 2,
  /** pyward could not do its part (e.g. the sandbox did not start). */
  hostFailure: 69,
  /** The interpreter or its process crashed. */
  crashed: 70,
  /** The run wrote more than `--max-output` bytes to stdout or stderr. */
  output_limit: 123,
  /** The run passed its time limit (as timeout(1) does). */
  timeout: 124,
  /** The run needed more memory than `--memory`. */
  memory_limit: 125,
  /** The run was killed (Ctrl-C, or from outside). */
  killed: 137,
} as const

export function exitCodeOf(result: RunResult): number {
  switch (result.status) {
    case 'ok':
    case 'error':
      return result.exitCode ?? 1
    default:
      return EXIT_CODES[result.status]
  }
}
