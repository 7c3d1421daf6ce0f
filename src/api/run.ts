/**
 * The one-shot: a fresh sandbox for one run, discarded after.
 *
 * @module
 */
import type { RunOptions } from './options.js'
import type { RunResult } from './run-result.js'
import { Sandbox } from './sandbox.js'

/**
 * Runs Python code in a fresh sandbox and discards the sandbox.
 *
 * @example
 * ```ts
 * const result = await run('x = 6 * 7\nx', { timeoutMs: 1_000 })
 * result.status // 'ok'
 * result.value // 42
 * ```
 */
export async function run(code: string, options: RunOptions = {}): Promise<RunResult> {
  const { filename, onStdout, onStderr, signal, ...policy } = options
  const sandbox = await Sandbox.create(policy)
  try {
    return await sandbox.run(code, {
      ...(filename !== undefined ? { filename } : {}),
      ...(onStdout ? { onStdout } : {}),
      ...(onStderr ? { onStderr } : {}),
      ...(signal ? { signal } : {}),
    })
  } finally {
    await sandbox.close()
  }
}
