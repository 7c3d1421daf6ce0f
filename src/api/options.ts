/**
 * What callers pass to the library: the policy (validated by the one schema) plus what belongs
 * to a single run (callbacks, cancellation).
 *
 * @module
 */
import type { PolicyOptions } from '../policy/schema.js'
import type { SandboxPool } from './pool.js'

/** Options of {@link Sandbox.create}: the sandbox's policy. Every field is optional. */
export type SandboxOptions = PolicyOptions

/** Options of one run on an existing sandbox. */
export interface SandboxRunOptions {
  /** Wall-clock limit of this run. @default the sandbox's `timeoutMs` */
  timeoutMs?: number
  /** What Python reads from stdin in this run. @default the sandbox's `stdin` */
  stdin?: string | Uint8Array
  /** File name shown in tracebacks. @default "<string>" */
  filename?: string
  /** Called with each piece of stdout as it is written (the whole text is also in the result). */
  onStdout?: (text: string) => void
  /** Called with each piece of stderr as it is written. */
  onStderr?: (text: string) => void
  /** Aborting kills the sandbox; the run ends with status `killed`. */
  signal?: AbortSignal
}

/** Options of {@link Sandbox.call}: as a run, without stdin or a file name. */
export type SandboxCallOptions = Omit<SandboxRunOptions, 'stdin' | 'filename'>

/** Options of the one-shot {@link run}: the policy plus the run's callbacks and file name. */
export type RunOptions = SandboxOptions &
  Pick<SandboxRunOptions, 'filename' | 'onStdout' | 'onStderr' | 'signal'> & {
    /**
     * Take the sandbox from this pool instead of starting one. The pool's policy applies: only
     * `timeoutMs`, `stdin` and the run's callbacks and file name may be set besides.
     */
    pool?: SandboxPool
  }
