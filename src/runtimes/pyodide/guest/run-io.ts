/**
 * Python's stdin and output for one run. Output is counted at the source, byte by byte; past the
 * cap the rest is dropped and the run is interrupted, so an endless print loop ends at once
 * instead of at the timeout. (The host counts again on its side.)
 *
 * Pyodide hands over output a line at a time, and a frame per line cost two system calls each
 * (measured: ~9 µs a line, 30x python3 on a print loop). So output is gathered, in order, and sent
 * when it reaches {@link FLUSH_BYTES}, when it is {@link FLUSH_MS} old (checked at each write and
 * each interrupt poll), before stdin is read, the moment a stream passes its cap, and
 * at the end of the run. Output after a quiet spell goes at once, so a program that prints and
 * then works or waits is seen as it prints. What a hard kill interrupts may lose its last few
 * milliseconds of output.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { sendOutput } from './guest-channel.js'
import type { InterruptClock } from './interrupt-clock.js'

export interface RunIo {
  /** Handlers for pyodide.setStdout / setStderr / setStdin. */
  readonly stdout: { write(buffer: Uint8Array): number }
  readonly stderr: { write(buffer: Uint8Array): number }
  readonly stdin: { read(buffer: Uint8Array): number }
  /** Whether each stream passed the cap in this run. */
  readonly truncated: Readonly<{ stdout: boolean; stderr: boolean }>
  /** Starts a run: fresh counters and this run's stdin bytes. */
  begin(stdin: Uint8Array): void
  /** Sends the gathered output if it has waited long enough (called at every interrupt poll: cheap when nothing waits). */
  flushIfDue(): void
  /** Ends the run, sending what is gathered: output written between runs goes nowhere. */
  end(): void
}

/** Gathered output is sent once it is this large... */
const FLUSH_BYTES = 16 * 1024
/** ...or this old. */
const FLUSH_MS = 20

type Stream = 'stdout' | 'stderr'

export function createRunIo(maxOutputBytes: number, clock: InterruptClock): RunIo {
  let active = false
  const written = { stdout: 0, stderr: 0 }
  const truncated = { stdout: false, stderr: false }
  let input: Uint8Array = new Uint8Array(0)
  let inputOffset = 0
  /** Output not yet sent, in the order written: consecutive writes of a stream share an entry. */
  const pending: { stream: Stream; chunks: Uint8Array[] }[] = []
  let pendingBytes = 0
  let lastFlush = 0

  const flush = (): void => {
    for (const { stream, chunks } of pending) sendOutput(stream, Buffer.concat(chunks))
    pending.length = 0
    pendingBytes = 0
    lastFlush = performance.now()
  }

  const gather = (stream: Stream, bytes: Uint8Array): void => {
    const last = pending.at(-1)
    // Pyodide may reuse its buffer after the call: keep a copy.
    if (last?.stream === stream) last.chunks.push(bytes.slice())
    else pending.push({ stream, chunks: [bytes.slice()] })
    pendingBytes += bytes.byteLength
    if (pendingBytes >= FLUSH_BYTES || performance.now() - lastFlush >= FLUSH_MS) flush()
  }

  const writer = (stream: Stream) => ({
    write(buffer: Uint8Array): number {
      if (!active) return buffer.byteLength
      // One byte past the cap is sent too: the host then sees the overflow by its own count and
      // kills the sandbox if the run does not stop (the guest can swallow the interrupt).
      const room = maxOutputBytes + 1 - written[stream]
      const kept = Math.min(room, buffer.byteLength)
      if (kept > 0) {
        gather(stream, buffer.subarray(0, kept))
        written[stream] += kept
      }
      if (written[stream] > maxOutputBytes && !truncated[stream]) {
        truncated[stream] = true
        flush()
        clock.fireNow()
      }
      // Report everything as written, so the guest sees no I/O error, only the interrupt.
      return buffer.byteLength
    },
  })

  return {
    stdout: writer('stdout'),
    stderr: writer('stderr'),
    stdin: {
      read(buffer: Uint8Array): number {
        // A prompt written before the read is seen before the program waits on it.
        if (pendingBytes > 0) flush()
        const bytes = Math.min(buffer.byteLength, input.byteLength - inputOffset)
        buffer.set(input.subarray(inputOffset, inputOffset + bytes))
        inputOffset += bytes
        return bytes
      },
    },
    truncated,
    begin(stdin) {
      active = true
      written.stdout = 0
      written.stderr = 0
      truncated.stdout = false
      truncated.stderr = false
      input = stdin
      inputOffset = 0
      lastFlush = 0
    },
    flushIfDue() {
      if (pendingBytes > 0 && performance.now() - lastFlush >= FLUSH_MS) flush()
    },
    end() {
      if (pendingBytes > 0) flush()
      active = false
    },
  }
}
