/**
 * The processes of the sandboxes this test process started, whatever their runtime, seen from the
 * host through /proc (Linux): a Pyodide sandbox is a Node process, a native one a CPython process,
 * each inside bubblewrap (two bwrap processes: the one the host started, and the pid-1 helper of
 * the sandbox's pid namespace). Found by ancestry and executable, never by command line, which a
 * guest can rewrite.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs'
import { basename } from 'node:path'

interface ProcessEntry {
  pid: number
  parent: number
  /** The executable's file name, or null when it cannot be read (gone, or a kernel thread). */
  executable: string | null
}

function readProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      let executable: string | null = null
      try {
        executable = basename(readlinkSync(`/proc/${name}/exe`))
      } catch {
        // a zombie, or not ours to read
      }
      entries.push({ pid: Number(name), parent, executable })
    } catch {
      // gone meanwhile
    }
  }
  return entries
}

/** Entries of every process under `rootPid`. */
function descendantsOf(rootPid: number, entries: readonly ProcessEntry[]): ProcessEntry[] {
  const parents = new Map(entries.map((entry) => [entry.pid, entry.parent]))
  return entries.filter((entry) => {
    for (let parent = parents.get(entry.pid); parent !== undefined; parent = parents.get(parent)) {
      if (parent === rootPid) return true
    }
    return false
  })
}

const NODE = basename(realpathSync(process.execPath))

/**
 * Pids of the interpreter processes of this process's sandboxes: CPython or Node under their
 * bubblewrap, and Node run unconfined (isolation "none"; a native sandbox is always confined).
 * The native runtime's layout probe, python3 started by this process itself, is not one.
 */
export function findInterpreterPids(): number[] {
  const own = descendantsOf(process.pid, readProcesses())
  const sandboxed = listSandboxedProcesses()
    .filter(({ executable }) => executable === NODE || /^python3/.test(executable ?? ''))
    .map(({ pid }) => pid)
  const unconfined = own.filter((entry) => entry.executable === NODE).map((entry) => entry.pid)
  return [...new Set([...sandboxed, ...unconfined])]
}

/**
 * Processes inside this process's sandboxes (under their bubblewrap, bubblewrap's own left out):
 * a sandbox that holds more than its one interpreter started a process.
 */
export function listSandboxedProcesses(): { pid: number; executable: string | null }[] {
  const entries = readProcesses()
  const bwraps = descendantsOf(process.pid, entries).filter((entry) => entry.executable === 'bwrap')
  const inside = new Map<number, ProcessEntry>()
  for (const bwrap of bwraps) {
    for (const entry of descendantsOf(bwrap.pid, entries)) {
      if (entry.executable !== 'bwrap') inside.set(entry.pid, entry)
    }
  }
  return [...inside.values()].map(({ pid, executable }) => ({ pid, executable }))
}

/** Threads of a process (its tasks), or 0 once it is gone. */
function countThreads(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

export interface SandboxedProcessesSeen {
  /** The most processes inside sandboxes at once (one per sandbox: its interpreter). */
  peakProcesses: number
  /** The most threads (tasks) of those processes together at once. */
  peakThreads: number
  /** "pid executable" of every process seen inside a sandbox. */
  seen: string[]
}

/** Samples the processes inside this process's sandboxes every `intervalMs` until stopped. */
export function watchSandboxedProcesses(intervalMs = 50): { stop(): SandboxedProcessesSeen } {
  const seen = new Set<string>()
  let peakProcesses = 0
  let peakThreads = 0
  const sample = () => {
    const inside = listSandboxedProcesses()
    peakProcesses = Math.max(peakProcesses, inside.length)
    peakThreads = Math.max(
      peakThreads,
      inside.reduce((sum, { pid }) => sum + countThreads(pid), 0),
    )
    for (const { pid, executable } of inside) seen.add(`${pid} ${executable ?? '?'}`)
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      sample()
      return { peakProcesses, peakThreads, seen: [...seen] }
    },
  }
}
