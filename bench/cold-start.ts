/**
 * The cold one-shot, as a caller feels it: the whole `await run('print(1)')` (start a sandbox, run,
 * close it), timed from the host. Compared with a cold `loadPyodide()` (bench/baselines.ts).
 */
import { run } from '../src/index.js'
import { type Timing, toTiming } from './stats.ts'

export interface ColdStart extends Timing {
  /** The protections the runs had, from the RunResult: what the figure includes. */
  isolation: string[]
}

export async function measureColdStart(runs: number): Promise<ColdStart> {
  const once = async (): Promise<{ wallMs: number; isolation: string[] }> => {
    const started = performance.now()
    const result = await run('print(1)')
    const wallMs = performance.now() - started
    if (result.status !== 'ok') throw new Error(`print(1) ended ${result.status}`)
    return { wallMs, isolation: result.isolation }
  }
  const { isolation } = await once() // warm the host probe and the file cache
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push((await once()).wallMs)
  return { ...toTiming(times), isolation }
}
