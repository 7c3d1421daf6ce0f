/**
 * A started sandbox, seen from the host, whatever its runtime. Every limit is enforced here, by
 * the host, whatever the guest does: a run that outlives its time (plus a short grace for the soft
 * interrupt), floods its output or passes its memory limit is ended by SIGKILL, and so is a
 * sandbox that breaks the protocol or works while idle. A killed or crashed sandbox is closed,
 * with the reason, and never used again.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { SandboxError } from '../errors.js'
import type { LayerStatus } from '../isolation/layers.js'
import { MAX_FILE_BYTES } from '../policy/limits.js'
import type { ResolvedPolicy } from '../policy/resolve-policy.js'
import type { FileEntry } from '../protocol/messages.js'
import { boundOutcome } from './bound-outcome.js'
import { OutputCapture } from './output-capture.js'
import type { Breach } from './resource-watch.js'
import type { IsolationLayer, RunReport, RunRequestOptions, RuntimeSession } from './runtime.js'
import type { BreachHandler, Reply, RequestBody, SandboxConnection } from './sandbox-connection.js'

/** Time for the soft interrupt to end a run before the process is killed. */
const KILL_GRACE_MS = 500
/** Time for a run to end after its output passed the cap. */
const OUTPUT_GRACE_MS = 250
/** File requests are answered at once by an idle sandbox; one that does not is broken. */
const FILE_REQUEST_TIMEOUT_MS = 30_000

const STOP_REASONS = {
  timeout: 'it was killed after a run passed its time limit',
  memory: 'it was killed after its process passed its memory limit',
  output: 'it was killed after a run passed its output limit',
  abort: 'it was killed when the run was aborted',
} as const
type StopReason = keyof typeof STOP_REASONS

const RUNTIME_NAMES: Record<ResolvedPolicy['runtime'], string> = {
  pyodide: 'Pyodide',
  native: 'native',
}

export interface SessionKind {
  runtime: ResolvedPolicy['runtime']
  /**
   * Whether the process ending with a status of its own during a run is the interpreter's exit
   * (`os._exit(n)` in a native interpreter). A Pyodide sandbox reports that as an outcome, and its
   * Node exiting on its own is a crash.
   */
  exitIsInterpreterExit: boolean
}

export class SandboxSession implements RuntimeSession {
  readonly runtime: ResolvedPolicy['runtime']
  readonly #kind: SessionKind
  readonly #policy: ResolvedPolicy
  #connection!: SandboxConnection
  #queue: Promise<unknown> = Promise.resolve()
  /** Set during a run: stops it for a reason the host saw. */
  #stopRun: ((reason: StopReason) => void) | null = null

  private constructor(policy: ResolvedPolicy, kind: SessionKind) {
    this.#policy = policy
    this.#kind = kind
    this.runtime = kind.runtime
  }

  /** A session over the connection `open` makes (it is told of breaches of the resource watch). */
  static async start(
    policy: ResolvedPolicy,
    kind: SessionKind,
    open: (onBreach: BreachHandler) => Promise<SandboxConnection>,
  ): Promise<SandboxSession> {
    const session = new SandboxSession(policy, kind)
    try {
      session.#connection = await open((breach, connection) =>
        session.#onBreach(breach, connection),
      )
    } catch (cause) {
      // A host that lacks what the isolation demands says so in its own words, as do bad options.
      if (cause instanceof SandboxError) throw cause
      throw new SandboxError(
        'RUNTIME_START_FAILED',
        `Could not start a ${RUNTIME_NAMES[kind.runtime]} sandbox: ${(cause as Error).message}`,
        { cause },
      )
    }
    return session
  }

  get closedReason(): string | null {
    return this.#connection.closedReason
  }

  get isolation(): readonly IsolationLayer[] {
    return this.#connection.isolation
  }

  get missingLayers(): readonly LayerStatus[] {
    return this.#connection.missingLayers
  }

  run(code: string, filename: string, options: RunRequestOptions): Promise<RunReport> {
    const stdin = Buffer.from(options.stdin).toString('base64')
    return this.#enqueue(() =>
      this.#runCode({ type: 'run', code, filename, timeoutMs: options.timeoutMs, stdin }, options),
    )
  }

  call(name: string, argsJson: string, options: RunRequestOptions): Promise<RunReport> {
    return this.#enqueue(() =>
      this.#runCode({ type: 'call', name, args: argsJson, timeoutMs: options.timeoutMs }, options),
    )
  }

  writeFile(path: string, data: Uint8Array): Promise<void> {
    checkFileSize(path, data.byteLength)
    const body = { type: 'writeFile' as const, path, data: Buffer.from(data).toString('base64') }
    return this.#enqueue(async () => {
      await this.#fileRequest(body, 'done')
    })
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#enqueue(async () => {
      const reply = await this.#fileRequest({ type: 'readFile', path }, 'file')
      const data = Buffer.from(reply.data, 'base64')
      checkFileSize(path, data.byteLength)
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    })
  }

  listFiles(): Promise<FileEntry[]> {
    return this.#enqueue(
      async () => (await this.#fileRequest({ type: 'listFiles' }, 'fileList')).entries,
    )
  }

  close(): Promise<void> {
    return this.#connection.kill('the sandbox was closed')
  }

  /** Runs requests one after another; a request made after close fails with SANDBOX_CLOSED. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => {
      const closed = this.#connection.closedReason
      if (closed !== null) {
        throw new SandboxError(
          'SANDBOX_CLOSED',
          `This sandbox can no longer run anything: ${closed}. Create a new sandbox.`,
        )
      }
      return task()
    })
    this.#queue = next.catch(() => {})
    return next
  }

  async #runCode(
    body: RequestBody & { timeoutMs: number },
    options: RunRequestOptions,
  ): Promise<RunReport> {
    const connection = this.#connection
    const capture = new OutputCapture(this.#policy.maxOutputBytes, options)
    if (options.signal?.aborted) return { ...emptyReport(capture), stoppedBy: 'abort' }
    const startedAt = performance.now()
    const cpuBefore = connection.cpuMs()
    // Assigned from timers and listeners, so TypeScript cannot follow it: say its type outright.
    let stoppedBy = null as StopReason | null
    const stopFor = (reason: StopReason) => {
      stoppedBy ??= reason
      connection.stopPending()
    }
    const timers = [setTimeout(() => stopFor('timeout'), body.timeoutMs + KILL_GRACE_MS)]
    const onAbort = () => stopFor('abort')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    this.#stopRun = stopFor

    const settled = await connection.request(body, {
      capture,
      onOverflow: () => timers.push(setTimeout(() => stopFor('output'), OUTPUT_GRACE_MS)),
    })

    for (const timer of timers) clearTimeout(timer)
    this.#stopRun = null
    options.signal?.removeEventListener('abort', onAbort)
    const report = emptyReport(capture)
    switch (settled.type) {
      case 'outcome':
        report.outcome = boundOutcome(settled.outcome, this.#policy.maxValueBytes)
        report.memoryCapHit = settled.memoryCapHit
        report.heapBytes = settled.heapBytes
        report.stdoutTruncated ||= settled.stdoutTruncated
        report.stderrTruncated ||= settled.stderrTruncated
        if (settled.outcome.kind === 'terminated') {
          await connection.kill(`its interpreter exited (os._exit(${settled.outcome.exitCode}))`)
        } else if (settled.outcome.kind === 'fatal') {
          await connection.kill(`its interpreter crashed (${settled.outcome.message})`)
        }
        break
      case 'processExit':
        if (this.#kind.exitIsInterpreterExit && isOwnExit(settled.exit, connection)) {
          report.outcome = { kind: 'terminated', exitCode: settled.exit.code ?? 0 }
          break
        }
        report.processExit = {
          ...settled.exit,
          diagnostics: connection.diagnostics || (connection.closedReason ?? ''),
        }
        // The kernel's OOM killer ended it: the cgroup's memory limit, not a crash.
        if (connection.oomKilled) report.stoppedBy = 'memory'
        if (connection.violation !== null) {
          report.stoppedBy = 'violation'
          report.processExit.diagnostics = connection.violation
        }
        break
      case 'stopped':
        report.stoppedBy = stoppedBy
        await connection.kill(STOP_REASONS[stoppedBy ?? 'abort'])
        break
      default:
        await connection.kill(`it answered a run with ${settled.type}`)
        report.processExit = {
          code: null,
          signal: 'SIGKILL',
          diagnostics: connection.closedReason ?? '',
        }
    }
    capture.rethrowCallbackError()
    report.wallMs = performance.now() - startedAt
    report.cpuMs = Math.max(0, connection.cpuMs() - cpuBefore)
    return report
  }

  async #fileRequest<T extends Reply['type']>(
    body: RequestBody,
    expected: T,
  ): Promise<Extract<Reply, { type: T }>> {
    const connection = this.#connection
    const timer = setTimeout(() => connection.stopPending(), FILE_REQUEST_TIMEOUT_MS)
    const settled = await connection.request(body)
    clearTimeout(timer)
    switch (settled.type) {
      case 'stopped':
        await connection.kill(`it did not answer a ${body.type} request`)
        throw new SandboxError(
          'PROTOCOL_ERROR',
          `The sandbox did not answer a ${body.type} request: it was killed.`,
        )
      case 'processExit':
        throw new SandboxError(
          'SANDBOX_CLOSED',
          `The sandbox ended during ${body.type}: ${connection.closedReason}.`,
        )
      case 'failed':
        throw new SandboxError(
          settled.code === 'FILE_TOO_LARGE' || settled.code === 'FILE_NOT_FOUND'
            ? settled.code
            : 'INVALID_OPTIONS',
          `${body.type} failed: ${settled.message}`,
        )
      default:
        if (settled.type !== expected) {
          await connection.kill(`it answered ${body.type} with ${settled.type}`)
          throw new SandboxError(
            'PROTOCOL_ERROR',
            `The sandbox answered ${body.type} with ${settled.type}: it was killed.`,
          )
        }
        return settled as Extract<Reply, { type: T }>
    }
  }

  /** A run in flight is stopped for memory; otherwise the sandbox is killed where it stands. */
  #onBreach(breach: Breach, connection: SandboxConnection): void {
    if (breach.kind === 'memory' && this.#stopRun && connection.hasRequest) {
      this.#stopRun('memory')
      return
    }
    const what =
      breach.kind === 'memory'
        ? `its process passed its memory limit (${Math.round(breach.rssBytes / 2 ** 20)} MiB resident)`
        : `it used ${Math.round(breach.cpuMs)} ms of CPU while idle (code kept running after its run ended)`
    void connection.kill(`it was killed: ${what}`)
  }
}

/** The process ended with a status of its own: not by a signal, the host or the kernel's OOM killer. */
function isOwnExit(
  exit: { code: number | null; signal: string | null },
  connection: SandboxConnection,
): boolean {
  return (
    exit.code !== null &&
    exit.signal === null &&
    !connection.oomKilled &&
    connection.violation === null
  )
}

function checkFileSize(path: string, bytes: number): void {
  if (bytes > MAX_FILE_BYTES) {
    throw new SandboxError(
      'FILE_TOO_LARGE',
      `File ${path} has ${bytes} bytes, more than the ${MAX_FILE_BYTES} a file may move in or out. Use a read-only mount for large inputs.`,
    )
  }
}

function emptyReport(capture: OutputCapture): RunReport {
  return {
    outcome: null,
    stoppedBy: null,
    processExit: null,
    memoryCapHit: false,
    ...capture.finish(),
    wallMs: 0,
    cpuMs: 0,
    heapBytes: 0,
  }
}
