/**
 * The host's own count of a run's output. The sandbox caps output at the source, but the host
 * never relies on that: it keeps at most `maxOutputBytes` of each stream, decodes UTF-8 across
 * chunk boundaries (a character cut by the cap is dropped, not mangled), streams each chunk to the
 * caller's callback, and notes when a stream overflowed.
 *
 * @module
 */

import { TextDecoder } from 'node:util'

export type OutputStream = 'stdout' | 'stderr'

interface StreamState {
  decoder: TextDecoder
  text: string[]
  bytes: number
  truncated: boolean
  callback: ((text: string) => void) | undefined
}

export class OutputCapture {
  readonly #maxBytes: number
  readonly #streams: Record<OutputStream, StreamState>
  #overflowed = false
  #callbackError: { error: unknown } | null = null

  constructor(
    maxBytes: number,
    callbacks: {
      onStdout?: ((text: string) => void) | undefined
      onStderr?: ((text: string) => void) | undefined
    },
  ) {
    this.#maxBytes = maxBytes
    const state = (callback: StreamState['callback']): StreamState => ({
      decoder: new TextDecoder('utf-8'),
      text: [],
      bytes: 0,
      truncated: false,
      callback,
    })
    this.#streams = { stdout: state(callbacks.onStdout), stderr: state(callbacks.onStderr) }
  }

  /** Adds bytes of one stream. Returns true the first time a stream passes the cap. */
  push(stream: OutputStream, bytes: Uint8Array): boolean {
    const state = this.#streams[stream]
    if (state.truncated) return false
    const room = this.#maxBytes - state.bytes
    const kept = bytes.byteLength <= room ? bytes : bytes.subarray(0, room)
    state.bytes += kept.byteLength
    const text = state.decoder.decode(kept, { stream: true })
    if (text) {
      state.text.push(text)
      this.#notify(state, text)
    }
    if (kept.byteLength < bytes.byteLength) {
      state.truncated = true
      const first = !this.#overflowed
      this.#overflowed = true
      return first
    }
    return false
  }

  /**
   * Throws what a caller's callback threw, once the run is over. A throwing callback is the
   * caller's failure, not the sandbox's: it must not look like a protocol violation or stop the run.
   */
  rethrowCallbackError(): void {
    if (this.#callbackError) throw this.#callbackError.error
  }

  #notify(state: StreamState, text: string): void {
    if (!state.callback || this.#callbackError) return
    try {
      state.callback(text)
    } catch (error) {
      this.#callbackError = { error }
    }
  }

  /** Marks a stream truncated on the sandbox's word (it dropped bytes before sending them). */
  markTruncated(stream: OutputStream): void {
    this.#streams[stream].truncated = true
    this.#overflowed = true
  }

  get overflowed(): boolean {
    return this.#overflowed
  }

  /** The collected text of both streams; an unfinished character at the end of an untruncated stream is flushed. */
  finish(): { stdout: string; stderr: string; stdoutTruncated: boolean; stderrTruncated: boolean } {
    const collect = (state: StreamState): string => {
      if (!state.truncated) {
        const tail = state.decoder.decode()
        if (tail) {
          state.text.push(tail)
          this.#notify(state, tail)
        }
      }
      return state.text.join('')
    }
    return {
      stdout: collect(this.#streams.stdout),
      stderr: collect(this.#streams.stderr),
      stdoutTruncated: this.#streams.stdout.truncated,
      stderrTruncated: this.#streams.stderr.truncated,
    }
  }
}
