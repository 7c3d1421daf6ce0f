/**
 * What the host reads about a sandbox process from /proc, so the guest cannot misreport it.
 * Linux only; elsewhere these return null and the callers do without.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100

/** User + system CPU time of all threads of `pid`. */
export function readProcessCpuMs(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === null) return null
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null
}

/**
 * Resident memory of `pid`, in bytes. A process whose main thread has exited while others run on
 * shows no VmRSS in its own status (measured: a guest hid its memory from the host this way), so
 * the threads are asked too: they share one address space.
 */
export function readProcessRssBytes(pid: number): number | null {
  const own = rssOf(readProc(`/proc/${pid}/status`))
  if (own !== null) return own
  let threads: string[]
  try {
    threads = readdirSync(`/proc/${pid}/task`)
  } catch {
    return null
  }
  for (const tid of threads) {
    const rss = rssOf(readProc(`/proc/${pid}/task/${tid}/status`))
    if (rss !== null) return rss
  }
  return null
}

function rssOf(status: string | null): number | null {
  const kib = status === null ? null : /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  return kib ? Number(kib) * 1024 : null
}

/** A child of `parentPid` (the first found), or null. Scans /proc: kernels need not list children. */
export function findChildPid(parentPid: number): number | null {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return null
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readProc(`/proc/${entry}/stat`)
    if (stat === null) continue
    // pid (comm) state ppid …: the command name may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (ppid === parentPid) return Number(entry)
  }
  return null
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}
