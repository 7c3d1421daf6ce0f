/**
 * What every runtime provides: a started sandbox that runs code and moves files, reporting the
 * raw facts of each run. The api layer turns a {@link RunReport} into the public RunResult, so
 * the meaning of each status is decided in one place for every runtime.
 *
 * @module
 */
import type { IsolationLayer, LayerStatus } from '../isolation/layers.js'
import type { ResolvedPolicy } from '../policy/resolve-policy.js'
import type { FileEntry, Outcome } from '../protocol/messages.js'

export type { IsolationLayer }

/** One run, as the host observed it. */
export interface RunReport {
  /** How the code ended, as the sandbox reported it; null when it reported nothing. */
  outcome: Outcome | null
  /** Set when the host stopped the run itself ('violation': the sandbox broke the protocol). */
  stoppedBy: 'timeout' | 'output' | 'memory' | 'abort' | 'violation' | null
  /** Set when the sandbox process ended during the run without the host stopping it. */
  processExit: { code: number | null; signal: string | null; diagnostics: string } | null
  memoryCapHit: boolean
  stdout: string
  stderr: string
  stdoutTruncated: boolean
  stderrTruncated: boolean
  wallMs: number
  cpuMs: number
  heapBytes: number
}

export interface RunRequestOptions {
  timeoutMs: number
  stdin: Uint8Array
  signal?: AbortSignal
  onStdout?: (text: string) => void
  onStderr?: (text: string) => void
}

/** A started sandbox. One request at a time; requests made meanwhile wait their turn. */
export interface RuntimeSession {
  readonly runtime: ResolvedPolicy['runtime']
  readonly isolation: readonly IsolationLayer[]
  /** OS layers this host could not provide (isolation "auto"), each with why and the fix. */
  readonly missingLayers: readonly LayerStatus[]
  /** Why the sandbox can no longer be used, or null while it can. */
  readonly closedReason: string | null
  run(code: string, filename: string, options: RunRequestOptions): Promise<RunReport>
  call(name: string, argsJson: string, options: RunRequestOptions): Promise<RunReport>
  writeFile(path: string, data: Uint8Array): Promise<void>
  readFile(path: string): Promise<Uint8Array>
  listFiles(): Promise<FileEntry[]>
  close(): Promise<void>
}

/** How a sandbox is started, beyond its policy. */
export interface StartOptions {
  /**
   * Spend the start-up making the interpreter fast before the first run (V8 optimises its hot
   * paths): worth it when the sandbox waits in a pool, not when a caller waits for it.
   */
  warmUp?: boolean
}

export interface Runtime {
  start(policy: ResolvedPolicy, options?: StartOptions): Promise<RuntimeSession>
}
