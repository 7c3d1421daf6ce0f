/**
 * The sandbox's end of the protocol channel: fd 3, a socket the host created for this sandbox
 * alone. Both directions are synchronous on purpose:
 *
 * - Writes: Python runs synchronously on this thread, so output must leave while it runs
 *   (streaming), and a slow host must slow the guest down (backpressure) instead of piling output
 *   up in memory.
 * - Reads: between requests the thread blocks in read(2). The event loop does not turn, so no
 *   timer, callback or promise the guest left behind can run while the sandbox is idle: guest code
 *   runs only inside a request, under that request's limits.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { readSync, writeSync } from 'node:fs'
import {
  encodeFrameHeader,
  encodeMessageFrame,
  FRAME_KIND,
  type Frame,
  FrameDecoder,
  MAX_OUTPUT_FRAME_BYTES,
} from '../../../protocol/frame.js'
import type { HostMessage } from '../../../protocol/messages.js'

export const CHANNEL_FD = 3

/** Reads the host's messages one at a time, blocking until the next one is complete. */
export class HostReader {
  readonly #fd: number
  readonly #decoder = new FrameDecoder()
  readonly #buffer = Buffer.allocUnsafe(1024 * 1024)
  readonly #ready: Frame[] = []

  constructor(fd = CHANNEL_FD) {
    this.#fd = fd
  }

  /** The next message, or null once the host has hung up. */
  next(): HostMessage | null {
    for (;;) {
      const frame = this.#ready.shift()
      if (frame?.kind === FRAME_KIND.message) {
        return JSON.parse(frame.payload.toString('utf8')) as HostMessage
      }
      if (frame) continue
      const bytes = readBlocking(this.#fd, this.#buffer)
      if (bytes === 0) return null
      this.#ready.push(...this.#decoder.push(Buffer.from(this.#buffer.subarray(0, bytes))))
    }
  }
}

/** Sends one JSON message to the host. */
export function sendMessage(message: object, fd = CHANNEL_FD): void {
  writeAll(fd, encodeMessageFrame(message))
}

/** Sends raw output bytes of one stream to the host. */
export function sendOutput(stream: 'stdout' | 'stderr', bytes: Uint8Array, fd = CHANNEL_FD): void {
  const kind = stream === 'stdout' ? FRAME_KIND.stdout : FRAME_KIND.stderr
  // One system call per frame: Pyodide writes a line at a time.
  for (let start = 0; start < bytes.byteLength; start += MAX_OUTPUT_FRAME_BYTES) {
    const chunk = bytes.subarray(start, start + MAX_OUTPUT_FRAME_BYTES)
    writeAll(fd, Buffer.concat([encodeFrameHeader(kind, chunk.byteLength), chunk]))
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0
  while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset)
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/** read(2) that waits: the socket is blocking, but should it ever be non-blocking, poll gently. */
function readBlocking(fd: number, buffer: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buffer, 0, buffer.byteLength, null)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(pause, 0, 0, 5)
    }
  }
}
