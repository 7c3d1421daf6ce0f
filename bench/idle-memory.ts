/**
 * What an idle sandbox holds in memory: the resident set (VmRSS) of its processes, read by the
 * host from /proc (Linux), against a bare idle Node and an idle native python3 on the same machine.
 *
 * The sandbox is whatever the caller starts (a `Sandbox.create()`, or a pool filled and left
 * alone); its processes are the ones that appear under this process while it starts. The Node
 * guest is the one that runs Pyodide; the tree adds what confines it (bubblewrap's own process).
 * A sandbox whose process ends while it is measured (the host can kill an idle sandbox) is
 * counted as lost and started again; when every attempt is lost, the figures are the last
 * readings before the end, marked `settled: false`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  findSandboxPids,
  listDescendants,
  readProcessRssBytes,
} from '../test/helpers/sandbox-processes.ts'
import { findHostPython } from './host-python.ts'
import { round } from './stats.ts'

const MB = 1024 * 1024
const SETTLE_POLL_MS = 250
const SETTLE_TIMEOUT_MS = 5_000
const ATTEMPTS = 3

/** Starts what is measured and returns how to close it. */
export type StartIdle = () => Promise<() => Promise<void>>

export interface IdleMemory {
  /** Node guest processes found (one per sandbox started). */
  guests: number
  /** RSS of each Node guest process, MB. */
  guestRssMb: number[]
  /** RSS of every process that appeared while it started, MB (guests and their confinement). */
  treeRssMb: number
  /** RSS of `node -e "setTimeout(()=>{},1e5)"`, MB. */
  bareNodeRssMb: number
  /** RSS of `python3 -c "import time; time.sleep(100)"`, MB. */
  python3RssMb: number
  /** Sandboxes whose process ended while measured, each replaced by a new start. */
  lost: number
  /** False when no sandbox lived until its memory settled: the figures are the last seen. */
  settled: boolean
}

interface TreeReading {
  guestRss: number[]
  treeRss: number
  /** False when a guest ended before its memory settled (the readings are the last seen). */
  settled: boolean
}

export async function measureIdleMemory(start: StartIdle): Promise<IdleMemory> {
  let reading: TreeReading
  let lost = 0
  for (;;) {
    const before = new Set(listDescendants(process.pid))
    const close = await start()
    try {
      reading = await readNewProcesses(before)
    } finally {
      await close()
    }
    if (reading.settled || ++lost >= ATTEMPTS) break
  }
  const bareNode = await idleRss(process.execPath, ['-e', 'setTimeout(() => {}, 1e5)'])
  const python3 = await idleRss(findHostPython().executable, ['-c', 'import time; time.sleep(100)'])
  return {
    guests: reading.guestRss.length,
    guestRssMb: reading.guestRss.map((bytes) => round(bytes / MB)),
    treeRssMb: round(reading.treeRss / MB),
    bareNodeRssMb: round(bareNode / MB),
    python3RssMb: round(python3 / MB),
    lost,
    settled: reading.settled,
  }
}

/**
 * RSS of the processes under this one that were not there `before`, read until their total stops
 * moving (under 1% between two polls, or a cap), or until a guest ends.
 */
async function readNewProcesses(before: ReadonlySet<number>): Promise<TreeReading> {
  const tree = listDescendants(process.pid).filter((pid) => !before.has(pid))
  const guests = findSandboxPids().filter((pid) => !before.has(pid))
  if (guests.length === 0) throw new Error('no sandbox process appeared under the bench')
  const read = () => ({
    guestRss: guests.map((pid) => readProcessRssBytes(pid)),
    treeRss: sumRss(tree),
  })
  const deadline = performance.now() + SETTLE_TIMEOUT_MS
  let last = read()
  for (;;) {
    await sleep(SETTLE_POLL_MS)
    const now = read()
    if (now.guestRss.some((rss) => rss === null)) {
      return {
        guestRss: last.guestRss.map((rss) => rss ?? 0),
        treeRss: last.treeRss,
        settled: false,
      }
    }
    const steady = Math.abs(now.treeRss - last.treeRss) < 0.01 * last.treeRss
    if (steady || performance.now() > deadline) {
      return { guestRss: now.guestRss as number[], treeRss: now.treeRss, settled: true }
    }
    last = now
  }
}

/** Starts an idle process, waits until its RSS stops moving, reads it, kills the process. */
async function idleRss(executable: string, args: readonly string[]): Promise<number> {
  const child = spawn(executable, args, { env: {}, stdio: 'ignore' })
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    const pid = child.pid as number
    await settle([pid])
    const rss = readProcessRssBytes(pid)
    if (rss === null) throw new Error(`${executable} ended before its memory was read`)
    return rss
  } finally {
    await kill(child)
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

/** Waits until the processes' total RSS changes by under 1% between two polls (or a cap). */
async function settle(pids: readonly number[]): Promise<void> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS
  let last = sumRss(pids)
  while (performance.now() < deadline) {
    await sleep(SETTLE_POLL_MS)
    const now = sumRss(pids)
    if (Math.abs(now - last) < 0.01 * last) return
    last = now
  }
}

function sumRss(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readProcessRssBytes(pid) ?? 0), 0)
}
