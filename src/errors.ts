/**
 * Host-side failures. What the guest's Python code does is never thrown: it comes back as a
 * {@link RunResult}. These errors mean the host could not do what it was asked.
 *
 * @module
 */

/** The fixed set of codes callers branch on (never on the message). */
export type SandboxErrorCode =
  | 'INVALID_OPTIONS'
  | 'ISOLATION_UNAVAILABLE'
  | 'RUNTIME_START_FAILED'
  | 'PROTOCOL_ERROR'
  | 'SANDBOX_CLOSED'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'

/** A failure on the host side, with a stable `code`. Messages read: what failed: why. What to do. */
export class SandboxError extends Error {
  override name = 'SandboxError'
  readonly code: SandboxErrorCode

  constructor(code: SandboxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** One rejected option: where it is and what is wrong with it. */
export interface OptionIssue {
  /** Dotted path of the option, e.g. `timeoutMs` or `mounts.0.hostPath`. */
  path: string
  message: string
}

/** Options were rejected before anything started. `issues` lists each bad option. */
export class InvalidOptionsError extends SandboxError {
  override name = 'InvalidOptionsError'
  readonly issues: readonly OptionIssue[]

  constructor(issues: readonly OptionIssue[], options?: ErrorOptions) {
    const lines = issues.map((issue) => `  ${issue.path || '(options)'}: ${issue.message}`)
    super('INVALID_OPTIONS', `Invalid options:\n${lines.join('\n')}`, options)
    this.issues = issues
  }
}
