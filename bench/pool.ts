/**
 * Warm paths: what a run costs once nothing has to start.
 *
 * - warm round trip: `sandbox.run('1+1')` on one started Sandbox (the protocol and the driver,
 *   nothing else);
 * - pool one-shot: `pool.run('print(1)')` on a pool (size 2) that has had time to refill, so each
 *   run finds an idle sandbox: the hand-over, the run and the discard;
 * - throughput: one-shots per second through a pool (size 2) with 2 callers back to back, where
 *   the refill (starting sandboxes) is the bound; with the pool's warm-up off (what a pool of many
 *   short runs should use) and on (the default, which spends CPU on each start).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createPool, type RunResult, Sandbox, type SandboxPool } from '../src/index.js'
import type { StartIdle } from './idle-memory.ts'
import { round, type Timing, toTiming } from './stats.ts'

const POOL_SIZE = 2
/** The longest wait for a pool to refill before sampling anyway. */
const REFILL_TIMEOUT_MS = 30_000
const REFILL_POLL_MS = 20

/** Waits until `size` sandboxes of the pool are started and idle (or the timeout). */
async function waitForRefill(pool: SandboxPool, size: number): Promise<void> {
  const deadline = performance.now() + REFILL_TIMEOUT_MS
  while (pool.stats.idle < size && performance.now() < deadline) await sleep(REFILL_POLL_MS)
}

function expectOk(result: RunResult, code: string): void {
  if (result.status !== 'ok') throw new Error(`${code} ended ${result.status}`)
}

/** `sandbox.run('1+1')` on one started sandbox, `samples` times after a few unmeasured runs. */
export async function measureWarmRoundTrip(samples = 200): Promise<Timing> {
  const sandbox = await Sandbox.create()
  try {
    for (let i = 0; i < 10; i++) expectOk(await sandbox.run('1+1'), '1+1')
    const times: number[] = []
    for (let i = 0; i < samples; i++) {
      const started = performance.now()
      const result = await sandbox.run('1+1')
      times.push(performance.now() - started)
      if (result.value !== 2) throw new Error(`1+1 ended ${result.status} with ${result.value}`)
    }
    return toTiming(times, 2)
  } finally {
    await sandbox.close()
  }
}

export interface PoolOneShot extends Timing {
  /** Samples that found no idle sandbox (the refill took longer than its timeout). */
  waited: number
}

/** `pool.run('print(1)')`, each sample taken once the pool has refilled. */
export async function measurePoolOneShot(runs: number): Promise<PoolOneShot> {
  const pool = createPool({ size: POOL_SIZE })
  try {
    const times: number[] = []
    for (let i = 0; i <= runs; i++) {
      await waitForRefill(pool, POOL_SIZE)
      const started = performance.now()
      const result = await pool.run('print(1)')
      const wallMs = performance.now() - started
      expectOk(result, 'print(1)')
      if (i > 0) times.push(wallMs) // the first warms the host's side of the hand-over
    }
    return { ...toTiming(times, 2), waited: pool.stats.waited }
  } finally {
    await pool.close()
  }
}

export interface Throughput {
  /** One-shots completed per second. */
  perSecond: number
  completed: number
  seconds: number
  callers: number
  poolSize: number
  /** Whether the pool warmed its sandboxes up (createPool's `warmUp`). */
  warmUp: boolean
  /** Runs that found no idle sandbox and waited for one to start, and their mean wait. */
  waited: number
  meanWaitMs: number
}

/** `callers` running `print(1)` through one pool back to back for `durationMs`, from a full pool. */
export async function measurePoolThroughput(
  durationMs = 10_000,
  callers = 2,
  warmUp = true,
): Promise<Throughput> {
  const pool = createPool({ size: POOL_SIZE, warmUp })
  try {
    await waitForRefill(pool, POOL_SIZE)
    let completed = 0
    const started = performance.now()
    const deadline = started + durationMs
    const caller = async () => {
      while (performance.now() < deadline) {
        expectOk(await pool.run('print(1)'), 'print(1)')
        completed += 1
      }
    }
    await Promise.all(Array.from({ length: callers }, caller))
    const seconds = (performance.now() - started) / 1000
    return {
      perSecond: round(completed / seconds, 2),
      completed,
      seconds: round(seconds, 2),
      callers,
      poolSize: POOL_SIZE,
      warmUp,
      waited: pool.stats.waited,
      meanWaitMs: round(pool.stats.waitMs / Math.max(1, pool.stats.waited)),
    }
  } finally {
    await pool.close()
  }
}

/** For bench/idle-memory.ts: a pool of one, filled and left idle. */
export const startIdlePool: StartIdle = async () => {
  const pool = createPool({ size: 1 })
  await waitForRefill(pool, 1)
  return () => pool.close()
}
