/**
 * Framing of the host⇄sandbox channel (a socket on the sandbox's fd 3, never its stdout):
 * `u32 big-endian length | u8 kind | payload`, where length counts the kind byte and the payload.
 * Output travels as raw bytes (no JSON or base64 on the hot path); everything else is one JSON
 * message per frame. A frame longer than {@link MAX_FRAME_BYTES} or of an unknown kind is a
 * protocol error: the host kills the sandbox (fail closed).
 *
 * This file is loaded inside the sandbox too, so it imports nothing but Node's buffer.
 *
 * @module
 */
import { Buffer } from 'node:buffer'

export const FRAME_KIND = { message: 1, stdout: 2, stderr: 3 } as const
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND]

/** Room for a file of MAX_FILE_BYTES in base64 inside a JSON message, and little more. */
export const MAX_FRAME_BYTES = 48 * 1024 * 1024

/**
 * A sandbox sends output in frames of at most this many bytes: one write of the guest's may be
 * larger than a frame may be (maxOutputBytes goes up to 64 MiB).
 */
export const MAX_OUTPUT_FRAME_BYTES = 1024 * 1024

const HEADER_BYTES = 5

export interface Frame {
  kind: FrameKind
  payload: Buffer
}

/** Thrown by the decoder when the peer breaks the framing. */
export class FrameError extends Error {
  override name = 'FrameError'
}

/** The header of a frame; send it, then the payload, to avoid copying large payloads. */
export function encodeFrameHeader(kind: FrameKind, payloadBytes: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES)
  header.writeUInt32BE(payloadBytes + 1, 0)
  header.writeUInt8(kind, 4)
  return header
}

/** A whole frame carrying one JSON message. */
export function encodeMessageFrame(message: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(message), 'utf8')
  return Buffer.concat([encodeFrameHeader(FRAME_KIND.message, payload.byteLength), payload])
}

const KNOWN_KINDS = new Set<number>(Object.values(FRAME_KIND))

/** Reassembles frames from a byte stream. Throws FrameError on a malformed stream. */
export class FrameDecoder {
  #chunks: Buffer[] = []
  #buffered = 0
  readonly #maxFrameBytes: number
  #maxMessageBytes: number

  constructor(maxFrameBytes = MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes
    this.#maxMessageBytes = maxFrameBytes
  }

  /**
   * Caps message frames (not output frames) below the frame cap, for as long as the reader
   * expects only small messages: checked on the header, before the payload is buffered.
   */
  limitMessages(bytes: number): void {
    this.#maxMessageBytes = Math.min(bytes, this.#maxFrameBytes)
  }

  /** Adds bytes and returns every frame they complete. */
  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk)
    this.#buffered += chunk.byteLength
    const frames: Frame[] = []
    while (this.#buffered >= HEADER_BYTES) {
      const head = this.#peek(HEADER_BYTES)
      const length = head.readUInt32BE(0)
      const kind = head.readUInt8(4)
      if (length < 1 || length > this.#maxFrameBytes + 1) {
        throw new FrameError(`frame of ${length} bytes is outside 1..${this.#maxFrameBytes + 1}`)
      }
      if (!KNOWN_KINDS.has(kind)) throw new FrameError(`unknown frame kind ${kind}`)
      if (kind === FRAME_KIND.message && length > this.#maxMessageBytes + 1) {
        throw new FrameError(
          `a message frame of ${length} bytes, where at most ${this.#maxMessageBytes + 1} are expected`,
        )
      }
      if (this.#buffered < 4 + length) break
      const whole = this.#take(4 + length)
      frames.push({ kind: kind as FrameKind, payload: whole.subarray(HEADER_BYTES) })
    }
    return frames
  }

  #peek(bytes: number): Buffer {
    const first = this.#chunks[0] as Buffer
    if (first.byteLength >= bytes) return first
    this.#chunks = [Buffer.concat(this.#chunks)]
    return this.#chunks[0] as Buffer
  }

  #take(bytes: number): Buffer {
    const all = this.#peek(bytes)
    const rest = all.subarray(bytes)
    this.#chunks = rest.byteLength > 0 ? [rest, ...this.#chunks.slice(1)] : this.#chunks.slice(1)
    this.#buffered -= bytes
    return all.subarray(0, bytes)
  }
}
