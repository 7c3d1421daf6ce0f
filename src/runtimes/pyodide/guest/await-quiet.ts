/**
 * Waits until this process's other threads are quiet: after a warm-up, V8 optimises the
 * interpreter's hot WebAssembly functions on background threads, and a run that starts before
 * that is done keeps the unoptimised code for the whole run (V8 never swaps the code of a call
 * that is already running, and CPython runs a program in one call of its eval loop). Measured by
 * the process's CPU time (every thread's) while this thread sleeps.
 *
 * @module
 */

/** A slice during which the process used less CPU than this is quiet. */
const SLICE_MS = 20
const QUIET_CPU_MS = 2
/** Never waits longer: a pool sandbox that is slow to settle is still better than none. */
const MAX_WAIT_MS = 3_000

const pause = new Int32Array(new SharedArrayBuffer(4))

/** Returns how long it waited, in milliseconds. */
export function awaitQuiet(): number {
  const startedAt = performance.now()
  while (performance.now() - startedAt < MAX_WAIT_MS) {
    const before = process.cpuUsage()
    Atomics.wait(pause, 0, 0, SLICE_MS)
    const used = process.cpuUsage(before)
    if ((used.user + used.system) / 1_000 < QUIET_CPU_MS) break
  }
  return performance.now() - startedAt
}
