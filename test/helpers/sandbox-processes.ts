/**
 * The sandbox processes this test process started, seen from the host through /proc (Linux), so
 * that tests can judge what a sandbox does by what the OS says about it.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs'
import { basename } from 'node:path'

export { readProcessCpuMs, readProcessRssBytes } from '../../src/runtimes/process-stats.ts'

export const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/**
 * Pids of live Node processes descending from this process: the sandboxes it started (directly,
 * or inside bubblewrap, where a sandbox is the grandchild of the process the host launched).
 * Found by ancestry and executable, never by command line, which a guest can rewrite
 * (`process.title`). Inside its own mount namespace a sandbox's executable may sit at another
 * path, so the executable is compared by name.
 */
export function findSandboxPids(): number[] {
  const node = basename(realpathSync(process.execPath))
  return listDescendants(process.pid).filter((pid) => {
    try {
      return basename(readlinkSync(`/proc/${pid}/exe`)) === node
    } catch {
      return false
    }
  })
}

/** Pids of every live process under `rootPid`, by the parent field of /proc/<pid>/stat. */
export function listDescendants(rootPid: number): number[] {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let parent = parents.get(pid); parent !== undefined; parent = parents.get(parent)) {
      if (parent === rootPid) return true
    }
    return false
  }
  return [...parents.keys()].filter(descends)
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
