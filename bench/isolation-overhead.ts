/**
 * What the OS confinement costs at start: the same work timed unconfined (`isolation: 'none'`)
 * and with every layer (`strict`), interleaved so that the machine's drift hits both alike.
 *
 * - a bare `node -e 0` started through the launch plan (the confinement's own cost in ms);
 * - a cold one-shot: a fresh sandbox, `print(1)`, closed (what users feel; target: strict at most
 *   1.10× none).
 */
import { run } from '../src/index.js'
import { type LaunchPlan, planLaunch } from '../src/isolation/launch-plan.js'
import { spawnPlan } from '../src/isolation/spawn-plan.js'
import { round, summarize } from './stats.ts'

type Mode = 'none' | 'strict'

async function bareNodeStart(mode: Mode): Promise<number> {
  const started = performance.now()
  const plan = await planLaunch({
    mode,
    limits: {
      memoryBytes: 512 * 1024 * 1024,
      tasks: 64,
      openFiles: 256,
      cpuSeconds: 60,
      fileSizeBytes: 0,
      addressSpaceBytes: null,
    },
    program: (confined) =>
      confined
        ? { executable: process.execPath, args: ['-e', '0'], binds: [], tmpfs: [], env: {} }
        : { executable: process.execPath, args: ['-e', '0'], env: {}, reads: [] },
  })
  await runToEnd(plan)
  await plan.cgroup?.remove()
  return performance.now() - started
}

function runToEnd(plan: LaunchPlan): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnPlan(plan, ['ignore', 'ignore', 'inherit', 'ignore'])
    child.once('error', reject)
    child.once('exit', (code: number | null) =>
      code === 0 ? resolve() : reject(new Error(`exit ${code}`)),
    )
  })
}

async function coldOneShot(mode: Mode): Promise<number> {
  const started = performance.now()
  const result = await run('print(1)', { isolation: mode })
  if (result.status !== 'ok') throw new Error(`print(1) ended ${result.status}`)
  return performance.now() - started
}

export interface OverheadRow {
  name: string
  none: { p50: number; p95: number; n: number }
  strict: { p50: number; p95: number; n: number }
  /** strict p50 / none p50. */
  ratio: number
}

async function compare(
  name: string,
  runs: number,
  measure: (mode: Mode) => Promise<number>,
): Promise<OverheadRow> {
  const times: Record<Mode, number[]> = { none: [], strict: [] }
  await measure('strict') // warm the host probe and the file cache
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always follows the other.
    const order: Mode[] = i % 2 === 0 ? ['none', 'strict'] : ['strict', 'none']
    for (const mode of order) times[mode].push(await measure(mode))
  }
  const none = summarize(times.none)
  const strict = summarize(times.strict)
  return {
    name,
    none: { ...none, p50: round(none.p50), p95: round(none.p95) },
    strict: { ...strict, p50: round(strict.p50), p95: round(strict.p95) },
    ratio: round(strict.p50 / none.p50, 3),
  }
}

export async function measureIsolationOverhead(runs: number): Promise<OverheadRow[]> {
  return [
    await compare('bare `node -e 0` start (ms)', runs * 3, bareNodeStart),
    await compare('cold one-shot print(1) (ms)', runs, coldOneShot),
  ]
}
