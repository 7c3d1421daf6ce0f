/**
 * The sandbox's end of the protocol channel: fd 3, a socket the host created for this sandbox
 * alone. Writes are synchronous on purpose: Python runs synchronously on this thread, so output
 * must leave while it runs (streaming), and a slow host must slow the guest down (backpressure)
 * instead of piling output up in memory.
 *
 * @module
 */

import { Buffer } from 'node:buffer'
import { read, writeSync } from 'node:fs'
import {
  encodeFrameHeader,
  encodeMessageFrame,
  FRAME_KIND,
  FrameDecoder,
} from '../../../protocol/frame.js'
import type { HostMessage } from '../../../protocol/messages.js'

export const CHANNEL_FD = 3

/** Messages from the host, in order, as an async iterator that ends when the host hangs up. */
export async function* readHostMessages(fd = CHANNEL_FD): AsyncGenerator<HostMessage> {
  const decoder = new FrameDecoder()
  const buffer = Buffer.allocUnsafe(1024 * 1024)
  for (;;) {
    const bytes = await new Promise<number>((resolve, reject) =>
      read(fd, buffer, 0, buffer.byteLength, null, (error, count) =>
        error ? reject(error) : resolve(count),
      ),
    )
    if (bytes === 0) return
    for (const frame of decoder.push(Buffer.from(buffer.subarray(0, bytes)))) {
      if (frame.kind === FRAME_KIND.message)
        yield JSON.parse(frame.payload.toString('utf8')) as HostMessage
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
  writeAll(fd, encodeFrameHeader(kind, bytes.byteLength))
  writeAll(fd, bytes)
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0
  while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset)
}
