/**
 * The sandbox processes this test process started, seen from the host through /proc (Linux), so
 * that tests can judge what a sandbox does by what the OS says about it.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs'

export { readProcessCpuMs, readProcessRssBytes } from '../../src/runtimes/pyodide/process-stats.ts'

export const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/**
 * Pids of live Node processes whose parent is this process: the sandboxes it started. Found by
 * parent and executable, never by command line, which a guest can rewrite (`process.title`).
 */
export function findSandboxPids(): number[] {
  const node = realpathSync(process.execPath)
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        return ppid === process.pid && readlinkSync(`/proc/${pid}/exe`) === node
      } catch {
        return false
      }
    })
}

/** A line of /proc/<pid>/limits, e.g. "Max core file size", as [soft, hard]. */
export function readProcessLimit(pid: number, name: string): [string, string] | null {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(name))
  const values = line?.slice(name.length).trim().split(/\s+/)
  return values && values.length >= 2 ? [values[0] as string, values[1] as string] : null
}

/** The real and effective uid and gid lines of /proc/<pid>/status. */
export function readProcessCredentials(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return status
    .split('\n')
    .filter((line) => /^(Uid|Gid|Groups):/.test(line))
    .join('\n')
}
