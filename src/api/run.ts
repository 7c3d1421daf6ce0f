/**
 * The one-shot: a fresh sandbox for one run, discarded after.
 *
 * @module
 */
import { SandboxError } from '../errors.js'
import type { RunOptions, SandboxRunOptions } from './options.js'
import type { SandboxPool } from './pool.js'
import type { RunResult } from './run-result.js'
import { Sandbox } from './sandbox.js'

/** What a run through a pool may set: the pool's policy decides everything else. */
const POOLED_RUN_OPTIONS = new Set([
  'pool',
  'filename',
  'onStdout',
  'onStderr',
  'signal',
  'timeoutMs',
  'stdin',
])

/**
 * Runs Python code in a fresh sandbox and discards the sandbox. With `pool`, the sandbox is one
 * the pool started ahead of time (still fresh, still discarded after).
 *
 * @example
 * ```ts
 * const result = await run('x = 6 * 7\nx', { timeoutMs: 1_000 })
 * result.status // 'ok'
 * result.value // 42
 * ```
 */
export async function run(code: string, options: RunOptions = {}): Promise<RunResult> {
  if (options.pool !== undefined) return runPooled(code, options.pool, options)
  const { filename, onStdout, onStderr, signal, pool: _none, ...policy } = options
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

function runPooled(code: string, pool: SandboxPool, options: object): Promise<RunResult> {
  const policyKeys = Object.keys(options).filter((key) => !POOLED_RUN_OPTIONS.has(key))
  if (policyKeys.length > 0) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `Invalid options: ${policyKeys.join(', ')} cannot be set on a run through a pool; the pool's sandboxes were started with its policy. Set them in createPool({ policy }), or run without the pool.`,
    )
  }
  const { pool: _pool, ...runOptions } = options as SandboxRunOptions & { pool: SandboxPool }
  return pool.run(code, runOptions)
}
