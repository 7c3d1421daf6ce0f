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
import { type HostMessage, type SandboxMessage, sandboxMessageSchema } from './messages.js'

export interface HostChannelHandlers {
  onMessage(message: SandboxMessage): void
  onOutput(stream: 'stdout' | 'stderr', bytes: Buffer): void
  onViolation(reason: string): void
}

export class HostChannel {
  readonly #socket: Duplex
  readonly #decoder = new FrameDecoder()
  #broken = false

  constructor(socket: Duplex, handlers: HostChannelHandlers) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      if (this.#broken) return
      try {
        for (const frame of this.#decoder.push(chunk)) {
          if (this.#broken) return
          if (frame.kind === FRAME_KIND.message) {
            handlers.onMessage(parseMessage(frame.payload))
            continue
          }
          // An empty output frame counts against no cap but costs the host work: never sent by
          // the sandbox's own code, so a flood of them is a violation (measured: 5-byte frames
          // kept the host at 50 times the guest's CPU).
          if (frame.payload.byteLength === 0) throw new Error('an empty output frame')
          handlers.onOutput(frame.kind === FRAME_KIND.stdout ? 'stdout' : 'stderr', frame.payload)
        }
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

  /** The largest message frame the host will accept until told otherwise (see FrameDecoder). */
  limitMessages(bytes: number): void {
    this.#decoder.limitMessages(bytes)
  }

  /** Stops delivering anything (after a violation was handled elsewhere, or at close). */
  stop(): void {
    this.#broken = true
  }
}

/**
 * Containers ({ and [) a message may hold. The messages the sandbox sends carry their values as
 * strings and their lists (file entries) as flat arrays, so a few thousand containers is plenty;
 * a frame of millions of tiny objects costs the host seconds of JSON.parse and a gigabyte of heap
 * (measured: 10.7 s and 1.5 GB for 48 MiB of `{},`) before the schema could refuse it.
 */
export const MAX_MESSAGE_CONTAINERS = 100_000

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b

/** Counts { and [ outside strings, stopping past `limit`: a linear scan, far cheaper than parsing. */
export function countContainers(payload: Buffer, limit: number): number {
  let count = 0
  let inString = false
  for (let i = 0; i < payload.length; i++) {
    const byte = payload[i]
    if (inString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) inString = false
    } else if (byte === QUOTE) {
      inString = true
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++count > limit) return count
    }
  }
  return count
}

function parseMessage(payload: Buffer): SandboxMessage {
  if (countContainers(payload, MAX_MESSAGE_CONTAINERS) > MAX_MESSAGE_CONTAINERS) {
    throw new Error(`a message of more than ${MAX_MESSAGE_CONTAINERS} objects and arrays`)
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
