/**
 * `global_variables`: JSON values that become Python globals before the code runs.
 *
 * The values never become Python source. A fixed prelude runs first, in the same sandbox, and
 * reads them as JSON from its own stdin; the user's code then runs on its own, so its line
 * numbers in tracebacks are its own, and its stdin stays empty as always.
 *
 * @module
 */
import type { SandboxRunOptions } from '../api/options.js'
import type { RunResult } from '../api/run-result.js'
import type { Sandbox } from '../api/sandbox.js'

/** One expression, so that it leaves no name behind in the user's globals; its value is None. */
const PRELUDE = "globals().update(__import__('json').loads(__import__('sys').stdin.read()))\n"

const PRELUDE_FILENAME = '<pyward: global_variables>'

/**
 * Runs the prelude (when there are globals to set), then the code. A prelude that does not end
 * `ok` (e.g. values too large for the memory limit) is the answer: the code does not run.
 */
export async function runWithGlobals(
  sandbox: Sandbox,
  code: string,
  globals: Record<string, unknown> | undefined,
  options: Pick<SandboxRunOptions, 'signal'> = {},
): Promise<RunResult> {
  if (globals !== undefined && Object.keys(globals).length > 0) {
    const prelude = await sandbox.run(PRELUDE, {
      ...options,
      filename: PRELUDE_FILENAME,
      stdin: JSON.stringify(globals),
    })
    if (prelude.status !== 'ok') return prelude
  }
  return sandbox.run(code, options)
}
