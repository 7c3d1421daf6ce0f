/**
 * The host's end of the protocol channel. Everything that arrives is untrusted: frames are
 * length-capped by the decoder and every message is validated against the schema. The first
 * violation is reported once through `onViolation` and the channel stops delivering; the owner
 * kills the sandbox (fail closed).
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import { encodeMessageFrame, FRAME_KIND, FrameDecoder } from './frame.js'
import { measureJson } from './json-shape.js'
import { type HostMessage, type SandboxMessage, sandboxMessageSchema } from './messages.js'

/** What the host accepts as the next message: its size (checked on the header) and its shape. */
export interface MessageLimit {
  bytes: number
  /** Objects, arrays and separators: see json-shape.ts. */
  tokens: number
}

/** No message of the protocol nests deeper than a file entry in a list in a reply. */
const MAX_MESSAGE_DEPTH = 8

export interface HostChannelHandlers {
  onMessage(message: SandboxMessage): void
  onOutput(stream: 'stdout' | 'stderr', bytes: Buffer): void
  onViolation(reason: string): void
}

export class HostChannel {
  readonly #socket: Duplex
  readonly #decoder = new FrameDecoder()
  #limit: MessageLimit = { bytes: Number.POSITIVE_INFINITY, tokens: Number.POSITIVE_INFINITY }
  #broken = false

  constructor(socket: Duplex, handlers: HostChannelHandlers) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      if (this.#broken) return
      // Consecutive output frames of one stream in one read are handed on as one: a guest that
      // writes a byte per frame would otherwise cost the host a decode and a callback per byte
      // (measured: 64 times the sandbox's own CPU).
      const run = { stream: null as 'stdout' | 'stderr' | null, parts: [] as Buffer[] }
      const flush = () => {
        if (run.stream !== null) handlers.onOutput(run.stream, Buffer.concat(run.parts))
        run.stream = null
        run.parts = []
      }
      try {
        for (const frame of this.#decoder.push(chunk)) {
          if (this.#broken) return
          if (frame.kind === FRAME_KIND.message) {
            flush()
            handlers.onMessage(parseMessage(frame.payload, this.#limit))
            continue
          }
          // An empty output frame counts against no cap but costs the host work: never sent by
          // the sandbox's own code, so a flood of them is a violation (measured: 5-byte frames
          // kept the host at 50 times the guest's CPU).
          if (frame.payload.byteLength === 0) throw new Error('an empty output frame')
          const stream = frame.kind === FRAME_KIND.stdout ? 'stdout' : 'stderr'
          if (run.stream !== stream) flush()
          run.stream = stream
          run.parts.push(frame.payload)
        }
        flush()
      } catch (error) {
        this.#broken = true
        handlers.onViolation(error instanceof Error ? error.message : String(error))
      }
    })
    // A closed or reset socket is seen through the process's exit; errors here are not news.
    socket.on('error', () => {})
  }

  send(message: HostMessage): void {
    if (!this.#socket.destroyed) this.#socket.write(encodeMessageFrame(message))
  }

  /** The heaviest message the host will accept until told otherwise. */
  limitMessages(limit: MessageLimit): void {
    this.#limit = limit
    this.#decoder.limitMessages(limit.bytes)
  }

  /** Stops delivering anything (after a violation was handled elsewhere, or at close). */
  stop(): void {
    this.#broken = true
  }
}

function parseMessage(payload: Buffer, limit: MessageLimit): SandboxMessage {
  // The sandbox's messages carry values as strings and lists as flat arrays: a reply's shape is
  // known before it comes, and anything heavier is refused before JSON.parse pays for it.
  const shape = measureJson(payload, limit.tokens)
  if (shape.tokens > limit.tokens || shape.depth > MAX_MESSAGE_DEPTH) {
    throw new Error(
      `a message heavier than the reply expected (more than ${limit.tokens} JSON tokens, or nested deeper than ${MAX_MESSAGE_DEPTH})`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch {
    throw new Error('a message frame did not hold JSON')
  }
  const parsed = sandboxMessageSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new Error(
      `an invalid message: ${first?.path.join('.') || '(message)'}: ${first?.message}`,
    )
  }
  return parsed.data
}
