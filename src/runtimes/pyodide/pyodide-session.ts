/**
 * A started Pyodide sandbox, seen from the host: one process, one protocol channel, one request
 * at a time. Every limit is enforced here, by the host, whatever the guest does: a run that
 * outlives its time (plus a short grace for the soft interrupt) or floods its output is ended by
 * SIGKILL, and so is a sandbox that breaks the protocol. A killed or crashed sandbox is closed,
 * with the reason, and never used again.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { SandboxError } from '../../errors.js'
import { MAX_FILE_BYTES, SANDBOX_PROCESS_OVERHEAD_MB, SCRATCH_DIR } from '../../policy/limits.js'
import type { ResolvedPolicy } from '../../policy/resolve-policy.js'
import { HostChannel } from '../../protocol/host-channel.js'
import type { FileEntry, HostRequest, SandboxMessage } from '../../protocol/messages.js'
import { PROTOCOL_VERSION } from '../../protocol/version.js'
import { boundOutcome } from '../bound-outcome.js'
import { OutputCapture } from '../output-capture.js'
import type { IsolationLayer, RunReport, RunRequestOptions, RuntimeSession } from '../runtime.js'
import { buildGuestArgs, detectPermissionFlag, withResourceLimits } from './guest-command.js'
import { GuestProcess, type ProcessExit } from './guest-process.js'
import { type Breach, ResourceWatch } from './resource-watch.js'
import { locateRuntimeFiles } from './runtime-files.js'

/** Time for the soft interrupt to end a run before the process is killed. */
export const KILL_GRACE_MS = 500
/** Time for a run to end after its output passed the cap. */
const OUTPUT_GRACE_MS = 250
/** A sandbox that is not ready by then is killed (a cold Pyodide start takes ~3 s here). */
const START_TIMEOUT_MS = 60_000
/** File requests are answered at once by an idle sandbox; one that does not is broken. */
const FILE_REQUEST_TIMEOUT_MS = 30_000

const ISOLATION: readonly IsolationLayer[] = ['process', 'node-permissions', 'webassembly']

type Reply = Exclude<SandboxMessage, { type: 'hello' } | { type: 'startFailed' }>
/** How a pending request ends: the sandbox's reply, the end of its process, or a stop by the host. */
type Settled = Reply | { type: 'processExit'; exit: ProcessExit } | { type: 'stopped' }
type RequestBody = HostRequest extends infer R
  ? R extends HostRequest
    ? Omit<R, 'id'>
    : never
  : never

interface Pending {
  id: string
  resolve(settled: Settled): void
  capture?: OutputCapture
}

export class PyodideSession implements RuntimeSession {
  readonly runtime = 'pyodide' as const
  readonly isolation = ISOLATION
  readonly #policy: ResolvedPolicy
  readonly #process: GuestProcess
  readonly #channel: HostChannel
  #closedReason: string | null = null
  /** Set when the sandbox broke the protocol: the run it was in is reported as a crash. */
  #violation: string | null = null
  #pending: Pending | null = null
  #queue: Promise<unknown> = Promise.resolve()
  #hello: { resolve(): void; reject(error: Error): void } | null = null
  readonly #watch: ResourceWatch
  /** Set during a run: stops it for a reason the host saw. */
  #stopRun: ((reason: keyof typeof STOP_REASONS) => void) | null = null

  private constructor(policy: ResolvedPolicy) {
    this.#policy = policy
    const files = locateRuntimeFiles()
    const args = buildGuestArgs({
      files,
      mounts: policy.mounts,
      memoryMb: policy.memoryMb,
      permissionFlag: detectPermissionFlag(),
    })
    const shell = existsSync('/bin/sh') ? '/bin/sh' : null
    const command = withResourceLimits(shell, process.execPath, args)
    this.#process = new GuestProcess(command.command, command.args)
    this.#channel = new HostChannel(this.#process.socket, {
      onMessage: (message) => this.#onMessage(message),
      onOutput: (stream, bytes) => {
        const capture = this.#pending?.capture
        if (capture?.push(stream, bytes)) this.#onOverflow()
      },
      onViolation: (reason) => this.#onViolation(`the sandbox broke the protocol (${reason})`),
    })
    // The whole process (Node, Pyodide, the Python heap, the files, the guest's JavaScript
    // buffers) is held to twice the Python heap plus the runtime's own overhead.
    const limitBytes = (2 * policy.memoryMb + SANDBOX_PROCESS_OVERHEAD_MB) * 1024 * 1024
    this.#watch = new ResourceWatch(this.#process, limitBytes, (breach) => this.#onBreach(breach))
    this.#watch.busy()
    void this.#process.exited.then((exit) => this.#onExit(exit))
  }

  /** Starts the process, sends the policy, and waits until the interpreter is ready. */
  static async start(policy: ResolvedPolicy): Promise<PyodideSession> {
    const session = new PyodideSession(policy)
    try {
      await session.#handshake()
    } catch (cause) {
      await session.#process.kill()
      throw new SandboxError(
        'RUNTIME_START_FAILED',
        `Could not start a Pyodide sandbox: ${(cause as Error).message}`,
        { cause },
      )
    }
    return session
  }

  get closedReason(): string | null {
    return this.#closedReason
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
    this.#checkFileSize(path, data.byteLength)
    const body = { type: 'writeFile' as const, path, data: Buffer.from(data).toString('base64') }
    return this.#enqueue(async () => {
      await this.#fileRequest(body, 'done')
    })
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#enqueue(async () => {
      const reply = await this.#fileRequest({ type: 'readFile', path }, 'file')
      const data = Buffer.from(reply.data, 'base64')
      this.#checkFileSize(path, data.byteLength)
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    })
  }

  listFiles(): Promise<FileEntry[]> {
    return this.#enqueue(
      async () => (await this.#fileRequest({ type: 'listFiles' }, 'fileList')).entries,
    )
  }

  async close(): Promise<void> {
    this.#closedReason ??= 'the sandbox was closed'
    this.#watch.stop()
    this.#channel.stop()
    await this.#process.kill()
  }

  async #handshake(): Promise<void> {
    const hello = new Promise<void>((resolve, reject) => {
      this.#hello = { resolve, reject }
    })
    this.#channel.send({
      type: 'init',
      protocolVersion: PROTOCOL_VERSION,
      memoryCapBytes: this.#policy.memoryMb * 1024 * 1024,
      maxOutputBytes: this.#policy.maxOutputBytes,
      maxValueBytes: this.#policy.maxValueBytes,
      maxFileBytes: MAX_FILE_BYTES,
      scratchDir: SCRATCH_DIR,
      env: { ...this.#policy.env },
      files: this.#policy.files.map((file) => ({
        path: file.path,
        data: Buffer.from(file.data).toString('base64'),
      })),
      mounts: this.#policy.mounts.map((mount) => ({ ...mount })),
      recursionLimit: this.#policy.recursionLimit,
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`it was not ready after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      )
    })
    try {
      await Promise.race([hello, timeout])
    } finally {
      clearTimeout(timer)
      this.#hello = null
    }
    this.#watch.idle()
  }

  /** Runs requests one after another; a request made after close fails with SANDBOX_CLOSED. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => {
      if (this.#closedReason !== null) {
        throw new SandboxError(
          'SANDBOX_CLOSED',
          `This sandbox can no longer run anything: ${this.#closedReason}. Create a new sandbox.`,
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
    const capture = new OutputCapture(this.#policy.maxOutputBytes, options)
    if (options.signal?.aborted) return { ...emptyReport(capture), stoppedBy: 'abort' }
    const startedAt = performance.now()
    const cpuBefore = this.#process.cpuMs()
    // Assigned from timers and listeners, so TypeScript cannot follow it: say its type outright.
    let stoppedBy = null as keyof typeof STOP_REASONS | null
    const stopFor = (reason: keyof typeof STOP_REASONS) => {
      stoppedBy ??= reason
      this.#settlePending({ type: 'stopped' })
    }
    const timers = [setTimeout(() => stopFor('timeout'), body.timeoutMs + KILL_GRACE_MS)]
    this.#stopRun = stopFor
    const onAbort = () => stopFor('abort')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    this.#onOverflow = () => timers.push(setTimeout(() => stopFor('output'), OUTPUT_GRACE_MS))

    const settled = await this.#request(body, capture)

    for (const timer of timers) clearTimeout(timer)
    this.#stopRun = null
    options.signal?.removeEventListener('abort', onAbort)
    this.#onOverflow = () => {}
    const report = emptyReport(capture)
    switch (settled.type) {
      case 'outcome':
        report.outcome = boundOutcome(settled.outcome, this.#policy.maxValueBytes)
        report.memoryCapHit = settled.memoryCapHit
        report.heapBytes = settled.heapBytes
        report.stdoutTruncated ||= settled.stdoutTruncated
        report.stderrTruncated ||= settled.stderrTruncated
        if (settled.outcome.kind === 'terminated') {
          await this.#kill(`its interpreter exited (os._exit(${settled.outcome.exitCode}))`)
        } else if (settled.outcome.kind === 'fatal') {
          await this.#kill(`its interpreter crashed (${settled.outcome.message})`)
        }
        break
      case 'processExit':
        report.processExit = {
          ...settled.exit,
          diagnostics: this.#process.diagnostics || (this.#closedReason ?? ''),
        }
        if (this.#violation !== null) {
          report.stoppedBy = 'violation'
          report.processExit.diagnostics = this.#violation
        }
        break
      case 'stopped':
        report.stoppedBy = stoppedBy
        await this.#kill(STOP_REASONS[stoppedBy ?? 'abort'])
        break
      default:
        await this.#kill(`it answered a run with ${settled.type}`)
        report.processExit = {
          code: null,
          signal: 'SIGKILL',
          diagnostics: this.#closedReason ?? '',
        }
    }
    capture.rethrowCallbackError()
    report.wallMs = performance.now() - startedAt
    report.cpuMs = Math.max(0, this.#process.cpuMs() - cpuBefore)
    return report
  }

  /** Set during a run: called the first time a stream passes its cap. */
  #onOverflow: () => void = () => {}

  /**
   * Sends a request. It settles with the sandbox's reply, or when the process ends, or when the
   * host stops it: the one pending request is settled from those three places, never raced.
   */
  #request(body: RequestBody, capture?: OutputCapture): Promise<Settled> {
    const id = randomBytes(16).toString('hex')
    return new Promise<Settled>((resolve) => {
      if (this.#process.hasExited) {
        resolve({ type: 'processExit', exit: { code: null, signal: null } })
        return
      }
      this.#pending = { id, resolve, ...(capture ? { capture } : {}) }
      this.#watch.busy()
      this.#channel.send({ ...body, id } as HostRequest)
    })
  }

  #settlePending(settled: Settled): void {
    const pending = this.#pending
    if (!pending) return
    // The end of a request is a moment to look: a run that ends past the memory limit is stopped
    // for it (the breach settles the request itself, as a stop, before this reply can).
    this.#watch.check()
    if (this.#pending !== pending) return
    this.#pending = null
    pending.resolve(settled)
    if (!this.#process.hasExited && this.#closedReason === null) this.#watch.idle()
  }

  #onBreach(breach: Breach): void {
    if (breach.kind === 'memory' && this.#stopRun && this.#pending) {
      this.#stopRun('memory')
      return
    }
    const what =
      breach.kind === 'memory'
        ? `its process passed its memory limit (${Math.round(breach.rssBytes / 2 ** 20)} MiB resident)`
        : `it used ${Math.round(breach.cpuMs)} ms of CPU while idle (code kept running after its run ended)`
    void this.#kill(`it was killed: ${what}`)
  }

  async #fileRequest<T extends Reply['type']>(
    body: RequestBody,
    expected: T,
  ): Promise<Extract<Reply, { type: T }>> {
    const timer = setTimeout(
      () => this.#settlePending({ type: 'stopped' }),
      FILE_REQUEST_TIMEOUT_MS,
    )
    const settled = await this.#request(body)
    clearTimeout(timer)
    switch (settled.type) {
      case 'stopped':
        await this.#kill(`it did not answer a ${body.type} request`)
        throw new SandboxError(
          'PROTOCOL_ERROR',
          `The sandbox did not answer a ${body.type} request: it was killed.`,
        )
      case 'processExit':
        throw new SandboxError(
          'SANDBOX_CLOSED',
          `The sandbox ended during ${body.type}: ${this.#closedReason}.`,
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
          await this.#kill(`it answered ${body.type} with ${settled.type}`)
          throw new SandboxError(
            'PROTOCOL_ERROR',
            `The sandbox answered ${body.type} with ${settled.type}: it was killed.`,
          )
        }
        return settled as Extract<Reply, { type: T }>
    }
  }

  #checkFileSize(path: string, bytes: number): void {
    if (bytes > MAX_FILE_BYTES) {
      throw new SandboxError(
        'FILE_TOO_LARGE',
        `File ${path} has ${bytes} bytes, more than the ${MAX_FILE_BYTES} a file may move in or out. Use a read-only mount for large inputs.`,
      )
    }
  }

  #onMessage(message: SandboxMessage): void {
    switch (message.type) {
      case 'hello':
        if (!this.#hello || message.protocolVersion !== PROTOCOL_VERSION) {
          this.#onViolation(`an unexpected hello (protocol ${message.protocolVersion})`)
          return
        }
        this.#hello.resolve()
        return
      case 'startFailed':
        if (!this.#hello) {
          this.#onViolation('an unexpected startFailed')
          return
        }
        this.#hello.reject(new Error(message.message))
        return
      case 'outcome':
      case 'file':
      case 'fileList':
      case 'done':
      case 'failed': {
        const pending = this.#pending
        if (!pending || pending.id !== message.id) {
          this.#onViolation(`a reply to request ${message.id}, which is not pending`)
          return
        }
        this.#settlePending(message)
        return
      }
      default:
        assertNever(message)
    }
  }

  #onViolation(reason: string): void {
    this.#violation ??= reason
    this.#channel.stop()
    this.#hello?.reject(new Error(reason))
    void this.#kill(reason)
  }

  #onExit(exit: ProcessExit): void {
    this.#watch.stop()
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`
    this.#closedReason ??= `its process ended unexpectedly (${how})`
    this.#settlePending({ type: 'processExit', exit })
    this.#hello?.reject(
      new Error(`its process ended (${how}): ${this.#process.diagnostics.trim() || 'no message'}`),
    )
  }

  async #kill(reason: string): Promise<void> {
    this.#closedReason ??= reason
    this.#watch.stop()
    this.#channel.stop()
    await this.#process.kill()
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

const STOP_REASONS = {
  timeout: 'it was killed after a run passed its time limit',
  memory: 'it was killed after its process passed its memory limit',
  output: 'it was killed after a run passed its output limit',
  abort: 'it was killed when the run was aborted',
} as const

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`)
}
