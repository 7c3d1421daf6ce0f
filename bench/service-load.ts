/**
 * The HTTP service under load, on loopback: `requests` runs sent by `inFlight` clients at once to
 * a real `pyward serve` (its defaults: 2 runs at once, a queue of 16, and here a warm pool of 2),
 * each a different small program whose answer is checked. Reports latency of the answered runs,
 * and that every request got its correct result or a 429 (none lost, none wrong, no other error).
 * Bounded: a request that gets no answer in 60 s counts as lost.
 */
import { startServer } from '../src/server/start-server.ts'
import { type Timing, toTiming } from './stats.ts'

export interface ServiceLoad {
  requests: number
  inFlight: number
  correct: number
  refused: number
  /** Wrong answers, other statuses, timeouts, connection errors: must be 0. */
  failed: string[]
  latency: Timing
  seconds: number
}

const REQUEST_TIMEOUT_MS = 60_000

export async function measureServiceLoad(requests = 200, inFlight = 16): Promise<ServiceLoad> {
  const server = await startServer({ port: 0, maxConcurrency: 2, queue: 16, pool: 2 })
  const latencies: number[] = []
  const failed: string[] = []
  let refused = 0
  let correct = 0
  let next = 0
  const started = performance.now()
  const client = async (): Promise<void> => {
    while (next < requests) {
      const n = next++
      const sent = performance.now()
      try {
        const response = await fetch(`${server.url}/v1/run`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: `print(${n} * ${n})` }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        })
        const body = (await response.json()) as { status?: string; stdout?: string }
        if (response.status === 429) {
          refused++
        } else if (
          response.status === 200 &&
          body.status === 'ok' &&
          body.stdout === `${n * n}\n`
        ) {
          correct++
          latencies.push(performance.now() - sent)
        } else {
          failed.push(`request ${n}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`)
        }
      } catch (error) {
        failed.push(`request ${n}: ${(error as Error).message}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: inFlight }, client))
  } finally {
    await server.close()
  }
  return {
    requests,
    inFlight,
    correct,
    refused,
    failed,
    latency: toTiming(latencies),
    seconds: (performance.now() - started) / 1000,
  }
}
