/**
 * Python's stdin and output for one run. Output is counted at the source, byte by byte, and sent
 * to the host as it is written; past the cap the rest is dropped and the run is interrupted, so an
 * endless print loop ends at once instead of at the timeout. (The host counts again on its side.)
 *
 * Each write goes at once, as one frame in one system call. (Gathering output in the sandbox and
 * sending it by size and age halved the cost of a print loop, but held output back through
 * sleeps, waits and long C calls, and lost it to a hard kill: not a trade a sandbox should make.)
 *
 * @module
 */
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
  /** Ends the run: output written between runs goes nowhere. */
  end(): void
}

export function createRunIo(maxOutputBytes: number, clock: InterruptClock): RunIo {
  let active = false
  const written = { stdout: 0, stderr: 0 }
  const truncated = { stdout: false, stderr: false }
  let input: Uint8Array = new Uint8Array(0)
  let inputOffset = 0

  const writer = (stream: 'stdout' | 'stderr') => ({
    write(buffer: Uint8Array): number {
      if (!active) return buffer.byteLength
      // One byte past the cap is sent too: the host then sees the overflow by its own count and
      // kills the sandbox if the run does not stop (the guest can swallow the interrupt).
      const room = maxOutputBytes + 1 - written[stream]
      const kept = Math.min(room, buffer.byteLength)
      if (kept > 0) {
        sendOutput(stream, buffer.subarray(0, kept))
        written[stream] += kept
      }
      if (written[stream] > maxOutputBytes && !truncated[stream]) {
        truncated[stream] = true
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
    },
    end() {
      active = false
    },
  }
}
