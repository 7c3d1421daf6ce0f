/**
 * How a run is answered: as one JSON RunResult, or streamed (`?stream=1`) as its output happens
 * and then its result, in NDJSON (`application/x-ndjson`, one event a line) or, when the client
 * asks for `text/event-stream` (or `?stream=sse`), as Server-Sent Events. Events:
 * `{"type":"stdout","data":…}`, `{"type":"stderr","data":…}`, then `{"type":"result","result":…}`
 * (or `{"type":"error","error":{code,message}}` when the run could not be made). The run gets the
 * request's abort signal: a client that disconnects stops its run.
 *
 * @module
 */
import type { Context } from 'hono'
import { stream } from 'hono/streaming'
import type { RunResult } from '../api/run-result.js'
import { errorResponse, sandboxErrorBody, sandboxErrorResponse } from './http-errors.js'
import type { Admission } from './run-queue.js'

export interface RunCallbacks {
  signal: AbortSignal
  onStdout?: (text: string) => void
  onStderr?: (text: string) => void
}

type Event =
  | { type: 'stdout' | 'stderr'; data: string }
  | { type: 'result'; result: RunResult }
  | { type: 'error'; error: { code: string; message: string } }

/** A streamed event not taken by the client in this long ends its stream. */
const STALLED_WRITE_MS = 30_000

/** Seconds a refused client should wait before it asks again. */
const RETRY_AFTER_S = 1

/**
 * Answers a run admitted (or not) by the queue: waits for its turn, runs it with the request's
 * signal (and, streaming, with output callbacks), and releases its place whatever happens.
 */
export async function answerRun(
  c: Context,
  admission: Admission,
  start: (callbacks: RunCallbacks) => Promise<RunResult>,
): Promise<Response> {
  if (!admission.admitted) {
    c.header('Retry-After', String(RETRY_AFTER_S))
    return errorResponse(c, 429, 'BUSY', `${admission.reason}: try again later`)
  }
  const signal = c.req.raw.signal
  // A client that leaves while it waits gives its place back at once.
  signal.addEventListener('abort', admission.release, { once: true })
  const turn = async (): Promise<boolean> => {
    await admission.turn
    signal.removeEventListener('abort', admission.release)
    return !signal.aborted
  }
  const mode = streamMode(c)
  if (mode === null) {
    try {
      if (!(await turn())) return errorResponse(c, 400, 'CLIENT_GONE', 'the client left')
      return c.json(await start({ signal }))
    } catch (error) {
      return sandboxErrorResponse(c, error)
    } finally {
      admission.release()
    }
  }
  c.header('Content-Type', mode === 'sse' ? 'text/event-stream' : 'application/x-ndjson')
  c.header('Cache-Control', 'no-store')
  return stream(c, async (out) => {
    // A client that stops reading would hold the connection (and what is queued for it) forever:
    // a write that has not drained in time ends the stream.
    // (Under @hono/node-server the Node response is in the env: destroying it frees the socket and
    // what is queued for it; the stream's own abort only tells its listeners.)
    const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing
    const hangUp = () => {
      outgoing?.destroy()
      out.abort()
    }
    const send = async (event: Event): Promise<void> => {
      const stalled = setTimeout(hangUp, STALLED_WRITE_MS)
      try {
        await out.write(
          mode === 'sse'
            ? `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
            : `${JSON.stringify(event)}\n`,
        )
      } finally {
        clearTimeout(stalled)
      }
    }
    let ended: Event
    try {
      if (!(await turn())) return
      const result = await start({
        signal,
        onStdout: (data) => void send({ type: 'stdout', data }),
        onStderr: (data) => void send({ type: 'stderr', data }),
      })
      ended = { type: 'result', result }
    } catch (error) {
      ended = { type: 'error', error: sandboxErrorBody(error) }
    } finally {
      // The run is over: its place goes to the next one now, not once a slow client has read.
      admission.release()
    }
    await send(ended)
  })
}

function streamMode(c: Context): 'ndjson' | 'sse' | null {
  const asked = c.req.query('stream')
  if (asked === undefined || asked === '0' || asked === 'false') return null
  if (asked === 'sse' || (c.req.header('accept') ?? '').includes('text/event-stream')) return 'sse'
  return 'ndjson'
}
