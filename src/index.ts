/**
 * pyward: run untrusted Python safely from TypeScript.
 *
 * @module
 */

// Isolation
export {
  checkIsolation,
  diagnoseIsolation,
  type IsolationDiagnosis,
  type IsolationMode,
  type LayerStatus,
} from './api/isolation.js'
export type {
  RunOptions,
  SandboxCallOptions,
  SandboxOptions,
  SandboxRunOptions,
} from './api/options.js'
// Warm pool
export {
  createPool,
  type PoolOptions,
  type PoolStats,
  SandboxPool,
} from './api/pool.js'
// Running code
export { run } from './api/run.js'
// Results
export type { PythonError, RunResult, RunStatus, RunUsage } from './api/run-result.js'
export { type FileEntry, Sandbox } from './api/sandbox.js'
// Errors
export {
  InvalidOptionsError,
  type OptionIssue,
  SandboxError,
  type SandboxErrorCode,
} from './errors.js'
export * as limits from './policy/limits.js'
// Policy
export { type PolicyOptions, policySchema } from './policy/schema.js'
export type { IsolationLayer } from './runtimes/runtime.js'
