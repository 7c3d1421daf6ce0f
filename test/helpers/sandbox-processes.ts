/**
 * The sandbox processes this test process started, seen from the host through /proc (Linux), so
 * that tests can judge what a sandbox does by what the OS says about it.
 */
import { readdirSync, readFileSync } from 'node:fs'

export { readProcessCpuMs, readProcessRssBytes } from '../../src/runtimes/pyodide/process-stats.ts'

export const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/** Pids of live sandbox processes whose parent is this process. */
export function findSandboxPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        return ppid === process.pid && cmdline.includes('runtimes/pyodide/guest/main.js')
      } catch {
        return false
      }
    })
}
