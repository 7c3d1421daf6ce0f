/**
 * One sandbox process and its protocol channel, seen from the host: it starts the process,
 * brings it to `hello`, and carries one request at a time. A request settles exactly once, from
 * one of three places: the sandbox's reply (with the right random id), the end of the process, or
 * a stop by the host. Anything else the sandbox sends is a violation, and the process is killed.
 *
 * The connection also keeps the host's resource watch in step with the requests (busy while one
 * is in flight, idle between them); what a breach means is the session's to decide.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { type LaunchPlan, type LaunchRequest, planLaunch } from '../isolation/launch-plan.js'
import type { LayerStatus } from '../isolation/layers.js'
import { MAX_FILE_BYTES } from '../policy/limits.js'
import { MAX_FRAME_BYTES } from '../protocol/frame.js'
import { HostChannel, type MessageLimit } from '../protocol/host-channel.js'
import type { HostRequest, InitMessage, SandboxMessage } from '../protocol/messages.js'
import { MAX_LISTED_FILES } from '../protocol/protocol-limits.js'
import { PROTOCOL_VERSION } from '../protocol/version.js'
import { GuestProcess, type ProcessExit } from './guest-process.js'
import type { OutputCapture } from './output-capture.js'
import { type Breach, ResourceWatch, STARTUP_IDLE_CPU_ALLOWANCE_MS } from './resource-watch.js'
import type { IsolationLayer } from './runtime.js'

/** A sandbox that is not ready by then is killed (a cold Pyodide start takes ~2 s here). */
const START_TIMEOUT_MS = 60_000
const MIB = 1024 * 1024
/**
 * A message with no large reply expected (hello, startFailed, done): its members are a few
 * strings, numbers and booleans, and one level of objects.
 */
const SMALL_MESSAGE: MessageLimit = { bytes: 256 * 1024, tokens: 1_000 }
/** JSON tokens per file entry (its object, its members, the comma after it), with room to spare. */
const TOKENS_PER_ENTRY = 10

/**
 * The heaviest reply a request can have, so that the host never buffers or parses more than the
 * answer it waits for: a run's outcome carries the value, its repr and the traceback as strings
 * (each held to maxValueBytes, up to 6 bytes per byte once escaped in JSON), a file its base64,
 * a file list an object per entry.
 */
function replyLimitFor(body: RequestBody, maxValueBytes: number): MessageLimit {
  switch (body.type) {
    case 'run':
    case 'call':
      return { bytes: 3 * 6 * maxValueBytes + MIB, tokens: SMALL_MESSAGE.tokens }
    case 'readFile':
      return { bytes: Math.ceil((MAX_FILE_BYTES * 4) / 3) + MIB, tokens: SMALL_MESSAGE.tokens }
    case 'listFiles':
      return {
        bytes: 16 * MIB,
        tokens: SMALL_MESSAGE.tokens + TOKENS_PER_ENTRY * MAX_LISTED_FILES,
      }
    default:
      return SMALL_MESSAGE
  }
}

/** While a snapshot is being made: one message, the snapshot's base64, and little else. */
const SNAPSHOT_MESSAGE: MessageLimit = { bytes: MAX_FRAME_BYTES, tokens: 20 }

/**
 * What a runtime tells the connection about its sandbox process: how to launch it (the program,
 * confined and not, with its limits), what protects it inside the process, the resident memory
 * past which the host kills it, and the `init` message for the program as it was planned.
 */
export interface GuestLaunch {
  request: LaunchRequest
  /** The runtime's own layers inside the process, listed after the OS layers. */
  innerLayers: readonly IsolationLayer[]
  memoryLimitBytes: number
  /** Bytes of the largest value a run may return (bounds the replies the host reads). */
  maxValueBytes: number
  init(plan: LaunchPlan): InitMessage
  /** Whether the sandbox answers `init` with its memory snapshot instead of `hello`. */
  makesSnapshot?: boolean
}

/** The sandbox reported that it could not start (`startFailed`): its own words, from before `hello`. */
export class SandboxStartFailed extends Error {
  override name = 'SandboxStartFailed'
  /** Whether loading the interpreter failed (rather than setting the sandbox up after). */
  readonly loading: boolean

  constructor(message: string, loading: boolean) {
    super(message)
    this.loading = loading
  }
}

export type Reply = Exclude<
  SandboxMessage,
  { type: 'hello' } | { type: 'startFailed' } | { type: 'snapshot' }
>
/** How a request ends: the sandbox's reply, the end of its process, or a stop by the host. */
export type Settled = Reply | { type: 'processExit'; exit: ProcessExit } | { type: 'stopped' }
export type RequestBody = HostRequest extends infer R
  ? R extends HostRequest
    ? Omit<R, 'id'>
    : never
  : never

/** What a run's request carries besides its body: where its output goes. */
export interface RequestOutput {
  capture: OutputCapture
  /** Called the first time a stream passes its cap. */
  onOverflow(): void
}

/** Told of each breach of the resource watch, with the connection (it may not be open yet). */
export type BreachHandler = (breach: Breach, connection: SandboxConnection) => void

interface Pending {
  id: string
  resolve(settled: Settled): void
  output: RequestOutput | undefined
}

export class SandboxConnection {
  readonly #process: GuestProcess
  readonly #channel: HostChannel
  readonly #watch: ResourceWatch
  #closedReason: string | null = null
  #violation: string | null = null
  #pending: Pending | null = null
  /** Set while starting: settles with the sandbox's first message (hello, or its snapshot). */
  #hello: {
    expects: 'hello' | 'snapshot'
    resolve(snapshot: Uint8Array | null): void
    reject(error: Error): void
  } | null = null
  /** The protections around this sandbox, outside in. */
  readonly isolation: readonly IsolationLayer[]
  /** OS layers this host could not provide (isolation "auto"), with why and the fix. */
  readonly missingLayers: readonly LayerStatus[]

  readonly #maxValueBytes: number

  private constructor(plan: LaunchPlan, launch: GuestLaunch, onBreach: BreachHandler) {
    this.#maxValueBytes = launch.maxValueBytes
    this.isolation = ['process', ...plan.layers, ...launch.innerLayers]
    this.missingLayers = plan.missing
    this.#process = new GuestProcess(plan)
    this.#channel = new HostChannel(this.#process.socket, {
      onMessage: (message) => this.#onMessage(message),
      onOutput: (stream, bytes) => {
        const output = this.#pending?.output
        if (output?.capture.push(stream, bytes)) output.onOverflow()
      },
      onViolation: (reason) => this.#onViolation(`the sandbox broke the protocol (${reason})`),
    })
    this.#channel.limitMessages(SMALL_MESSAGE)
    this.#watch = new ResourceWatch(this.#process, launch.memoryLimitBytes, (breach) =>
      onBreach(breach, this),
    )
    this.#watch.busy()
    void this.#process.exited.then((exit) => this.#onExit(exit))
  }

  /** Starts the process, sends `init`, and resolves once the sandbox said `hello`. */
  static async open(launch: GuestLaunch, onBreach: BreachHandler): Promise<SandboxConnection> {
    const { connection } = await SandboxConnection.start(launch, onBreach)
    return connection
  }

  /**
   * Starts the process and sends `init`; resolves once the sandbox said `hello`, or, for a
   * launch that makes a snapshot, with the snapshot it sent (the process is then left to kill).
   */
  static async start(
    launch: GuestLaunch,
    onBreach: BreachHandler,
  ): Promise<{ connection: SandboxConnection; snapshot: Uint8Array | null }> {
    const plan = await planLaunch(launch.request)
    const connection = new SandboxConnection(plan, launch, onBreach)
    try {
      const snapshot = await connection.#handshake(launch.init(plan), launch.makesSnapshot ?? false)
      return { connection, snapshot }
    } catch (error) {
      await connection.#process.kill()
      throw error
    }
  }

  /** Why the sandbox can no longer be used, or null while it can. */
  get closedReason(): string | null {
    return this.#closedReason
  }

  /** Set once the sandbox broke the protocol. */
  get violation(): string | null {
    return this.#violation
  }

  get hasRequest(): boolean {
    return this.#pending !== null
  }

  /** What Node printed in the sandbox process (crash messages), bounded. */
  get diagnostics(): string {
    return this.#process.diagnostics
  }

  cpuMs(): number {
    return this.#process.cpuMs()
  }

  /** Whether the kernel ended the sandbox for passing its cgroup's memory limit. */
  get oomKilled(): boolean {
    return this.#process.oomKilled
  }

  /** Sends a request; it settles with the reply, the end of the process, or stopPending(). */
  request(body: RequestBody, output?: RequestOutput): Promise<Settled> {
    const id = randomBytes(16).toString('hex')
    return new Promise<Settled>((resolve) => {
      if (this.#process.hasExited) {
        resolve({ type: 'processExit', exit: { code: null, signal: null } })
        return
      }
      this.#pending = { id, resolve, output }
      this.#watch.busy()
      this.#channel.limitMessages(replyLimitFor(body, this.#maxValueBytes))
      this.#channel.send({ ...body, id } as HostRequest)
    })
  }

  /** Settles the request in flight as stopped by the host. */
  stopPending(): void {
    this.#settle({ type: 'stopped' })
  }

  /** Kills the sandbox; the first reason given is the one it is closed with. */
  async kill(reason: string): Promise<void> {
    this.#closedReason ??= reason
    this.#watch.stop()
    this.#channel.stop()
    await this.#process.kill()
  }

  async #handshake(init: InitMessage, makesSnapshot: boolean): Promise<Uint8Array | null> {
    const expects = makesSnapshot ? 'snapshot' : 'hello'
    const hello = new Promise<Uint8Array | null>((resolve, reject) => {
      this.#hello = { expects, resolve, reject }
    })
    if (expects === 'snapshot') this.#channel.limitMessages(SNAPSHOT_MESSAGE)
    this.#channel.send(init)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`it was not ready after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      )
    })
    let snapshot: Uint8Array | null
    try {
      snapshot = await Promise.race([hello, timeout])
    } finally {
      clearTimeout(timer)
      this.#hello = null
      this.#channel.limitMessages(SMALL_MESSAGE)
    }
    this.#watch.idle(STARTUP_IDLE_CPU_ALLOWANCE_MS)
    return snapshot
  }

  #settle(settled: Settled): void {
    const pending = this.#pending
    if (!pending) return
    // The end of a request is a moment to look: a run that ends past the memory limit is stopped
    // for it (the breach settles the request itself, as a stop, before this reply can).
    this.#watch.check()
    if (this.#pending !== pending) return
    this.#pending = null
    this.#channel.limitMessages(SMALL_MESSAGE)
    pending.resolve(settled)
    if (!this.#process.hasExited && this.#closedReason === null) this.#watch.idle()
  }

  #onMessage(message: SandboxMessage): void {
    switch (message.type) {
      case 'hello':
        if (this.#hello?.expects !== 'hello' || message.protocolVersion !== PROTOCOL_VERSION) {
          this.#onViolation(`an unexpected hello (protocol ${message.protocolVersion})`)
          return
        }
        this.#hello.resolve(null)
        return
      case 'snapshot':
        if (this.#hello?.expects !== 'snapshot') {
          this.#onViolation('an unexpected snapshot')
          return
        }
        this.#hello.resolve(Buffer.from(message.data, 'base64'))
        return
      case 'startFailed':
        if (!this.#hello) {
          this.#onViolation('an unexpected startFailed')
          return
        }
        this.#hello.reject(new SandboxStartFailed(message.message, message.loading ?? false))
        return
      case 'outcome':
      case 'file':
      case 'fileList':
      case 'done':
      case 'failed':
        if (this.#pending?.id !== message.id) {
          this.#onViolation(`a reply to request ${message.id}, which is not pending`)
          return
        }
        this.#settle(message)
        return
      default:
        assertNever(message)
    }
  }

  #onViolation(reason: string): void {
    this.#violation ??= reason
    this.#channel.stop()
    this.#hello?.reject(new Error(reason))
    void this.kill(reason)
  }

  #onExit(exit: ProcessExit): void {
    this.#watch.stop()
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`
    this.#closedReason ??= this.#process.oomKilled
      ? 'it was killed after its process passed its memory limit (the kernel ended it)'
      : `its process ended unexpectedly (${how})`
    this.#settle({ type: 'processExit', exit })
    this.#hello?.reject(
      new Error(`its process ended (${how}): ${this.#process.diagnostics.trim() || 'no message'}`),
    )
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`)
}
