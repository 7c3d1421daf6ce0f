/**
 * The soft half of every limit. CPython in Pyodide polls for signals every few dozen eval-loop
 * ticks and runs the SIGINT handler when the poll answers 2. Pyodide expects a SharedArrayBuffer
 * written by another thread; here the poll itself ({@link InterruptClock.poll}, which replaces
 * Pyodide's poll import: see start-interpreter.ts) decides on this single thread's own clock, with
 * no worker (which the sandbox's permission model forbids anyway).
 *
 * The interrupt fires at the deadline and again every {@link REFIRE_MS} while the code keeps
 * running (code that swallows the exception gets it again), and only while a run is armed, so it
 * never lands in the sandbox's own calls between runs. The hard half is the host's SIGKILL.
 *
 * @module
 */

const SIGINT = 2
export const REFIRE_MS = 100
/**
 * Polls between two looks at the clock, adapted to how often CPython polls. In a tight loop it
 * polls millions of times a second, each a call from WebAssembly into this code: reading the time
 * (and the host and memory checks) on every one slowed loop-heavy code by half again. But where
 * polls are rare (each iteration a long C call), looking every N polls would look N times later
 * than the deadline. So the interval doubles while looks come less than
 * {@link LOOK_EVERY_MS} apart, up to {@link MAX_POLLS_PER_LOOK}, and drops to 1 when they come
 * further apart.
 */
const MAX_POLLS_PER_LOOK = 32
const LOOK_EVERY_MS = 1

export interface InterruptClock {
  /** CPython's signal poll: the signal to deliver now (SIGINT), or 0. */
  poll(): number
  /** The object to hand to `pyodide.setInterruptBuffer` (its element 0 is a poll). */
  readonly buffer: ArrayLike<number>
  /** Interrupts once `timeoutMs` from now have passed (and again every REFIRE_MS after). */
  arm(timeoutMs: number): void
  /** Interrupts at the next poll (e.g. the output cap was passed). */
  fireNow(): void
  disarm(): void
}

/**
 * `mustStop` is asked at every look too: a reason to stop that is not the clock's. `onPoll` runs
 * at every look of an armed clock (the one moment trusted code runs while Python is busy).
 */
export function createInterruptClock(
  mustStop: () => boolean = () => false,
  onPoll: () => void = () => {},
): InterruptClock {
  let armed = false
  let deadline = Number.POSITIVE_INFINITY
  let quietUntil = 0
  let pollsToLook = 0
  let pollsPerLook = 1
  let lastLook = 0
  const poll = (): number => {
    if (!armed || --pollsToLook > 0) return 0
    const now = performance.now()
    pollsPerLook =
      now - lastLook < LOOK_EVERY_MS ? Math.min(MAX_POLLS_PER_LOOK, pollsPerLook * 2) : 1
    pollsToLook = pollsPerLook
    lastLook = now
    onPoll()
    if (now < quietUntil || (now < deadline && !mustStop())) return 0
    quietUntil = now + REFIRE_MS
    return SIGINT
  }
  const buffer = {
    length: 1,
    get 0() {
      return poll()
    },
    set 0(_value: number) {
      // Pyodide writes 0 after reading; the poll already re-armed the clock.
    },
  }
  return {
    poll,
    buffer,
    arm(timeoutMs) {
      armed = true
      deadline = performance.now() + timeoutMs
      quietUntil = 0
      pollsToLook = 0
      pollsPerLook = 1
    },
    fireNow() {
      deadline = 0
      quietUntil = 0
      pollsToLook = 0
    },
    disarm() {
      armed = false
    },
  }
}
