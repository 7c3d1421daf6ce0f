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

  /** Stops delivering anything (after a violation was handled elsewhere, or at close). */
  stop(): void {
    this.#broken = true
  }
}

function parseMessage(payload: Buffer): SandboxMessage {
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
