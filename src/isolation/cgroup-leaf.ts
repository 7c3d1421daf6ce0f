/**
 * One cgroup per sandbox: created before the sandbox starts (its launcher joins it before it
 * execs bubblewrap, so every process of the sandbox is inside from the first instruction), read
 * for usage while it runs, and removed once it has ended.
 *
 * - memory: a hard limit on everything the sandbox's processes charge (heap, page tables, files
 *   in its tmpfs); past it the kernel's OOM killer ends the sandbox, and the host reports
 *   `memory_limit`. Swap is limited to zero where the kernel accounts it.
 * - pids: a cap on tasks (processes and threads together), so no thread bomb outlives it.
 * - CPU: accounting only; time limits are the host's deadline and RLIMIT_CPU.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { CgroupParent } from './cgroup-parent.js'

export interface CgroupLimits {
  memoryBytes: number
  tasks: number
}

/** The leaf's directory per controller: the memory, pids and cpuacct hierarchies on v1, one directory on v2. */
interface LeafDirs {
  memory: string
  pids: string
  cpu: string | null
}

/**
 * Retries of a leaf's removal: quick at first (the last process is usually reaped within a few
 * milliseconds of its parent seeing it exit, and a one-shot run waits for this), then every 25 ms,
 * about a second in all.
 */
const REMOVE_RETRY_MS = [1, 2, 4, 8, 16, ...Array<number>(38).fill(25)]
const LEAF_PREFIX = 'pyward-'
/** An empty leaf this old was left by a host that was killed before it could remove it. */
const STALE_LEAF_MS = 60_000

export class CgroupLeaf {
  readonly #version: 1 | 2
  readonly #dirs: LeafDirs
  #removed = false

  private constructor(version: 1 | 2, dirs: LeafDirs) {
    this.#version = version
    this.#dirs = dirs
  }

  /** Creates the leaf with its limits; throws (after removing what it made) when it cannot. */
  static create(parent: CgroupParent, limits: CgroupLimits): CgroupLeaf {
    const name = `${LEAF_PREFIX}${randomBytes(8).toString('hex')}`
    const leaf =
      parent.version === 1
        ? new CgroupLeaf(1, {
            memory: join(parent.memory, name),
            pids: join(parent.pids, name),
            cpu: parent.cpuacct === null ? null : join(parent.cpuacct, name),
          })
        : new CgroupLeaf(2, {
            memory: join(parent.dir, name),
            pids: join(parent.dir, name),
            cpu: join(parent.dir, name),
          })
    try {
      for (const dir of leaf.#uniqueDirs()) mkdirSync(dir)
      leaf.#applyLimits(limits)
    } catch (error) {
      leaf.removeSync()
      throw error
    }
    return leaf
  }

  /** The files a process writes its pid to in order to join. */
  get procsFiles(): string[] {
    return this.#uniqueDirs().map((dir) => join(dir, 'cgroup.procs'))
  }

  /**
   * SIGKILLs every process in the leaf. The sandbox's processes die with bubblewrap anyway
   * (die-with-parent, then the PID namespace), but only after the host saw bubblewrap go: killing
   * them here lets the leaf be removed at once.
   */
  killAll(): void {
    const procs = this.#read(this.#dirs.pids, 'cgroup.procs') ?? ''
    for (const pid of procs.split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }

  /**
   * Removes the empty leaves that hosts killed outright left under `parent` (an empty leaf is
   * never one a live host is about to use: its launcher joins within milliseconds of creating
   * it). Leaves are found by their prefix; nothing else in the parent is touched.
   */
  static sweepStale(parent: CgroupParent): void {
    const parents =
      parent.version === 1 ? [parent.memory, parent.pids, parent.cpuacct] : [parent.dir]
    for (const dir of parents) {
      if (dir === null) continue
      let names: string[]
      try {
        names = readdirSync(dir).filter((name) => name.startsWith(LEAF_PREFIX))
      } catch {
        continue
      }
      for (const name of names) {
        try {
          const leaf = join(dir, name)
          if (Date.now() - statSync(leaf).mtimeMs < STALE_LEAF_MS) continue
          if (readFileSync(join(leaf, 'cgroup.procs'), 'utf8').trim() !== '') continue
          rmdirSync(leaf)
        } catch {
          // in use, or gone meanwhile
        }
      }
    }
  }

  /** Whether the kernel's OOM killer has killed a process of this cgroup. */
  oomKilled(): boolean {
    const file = this.#version === 1 ? 'memory.oom_control' : 'memory.events'
    const count = /^oom_kill (\d+)$/m.exec(this.#read(this.#dirs.memory, file) ?? '')?.[1]
    return Number(count ?? 0) > 0
  }

  /** CPU time of every process of the sandbox, or null where it is not accounted. */
  cpuMs(): number | null {
    if (this.#dirs.cpu === null) return null
    if (this.#version === 1) {
      const ns = Number(this.#read(this.#dirs.cpu, 'cpuacct.usage'))
      return Number.isFinite(ns) ? ns / 1e6 : null
    }
    const usec = /^usage_usec (\d+)$/m.exec(this.#read(this.#dirs.cpu, 'cpu.stat') ?? '')?.[1]
    return usec === undefined ? null : Number(usec) / 1000
  }

  /**
   * Removes the leaf once its processes are gone (the kernel refuses while any is left, and a
   * process may take a moment to be fully reaped after its parent saw it exit).
   */
  async remove(): Promise<void> {
    for (const delay of REMOVE_RETRY_MS) {
      if (this.removeSync()) return
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
    this.removeSync()
  }

  /** One attempt; true when nothing is left. */
  removeSync(): boolean {
    if (this.#removed) return true
    let left = false
    for (const dir of this.#uniqueDirs()) {
      try {
        if (existsSync(dir)) rmdirSync(dir)
      } catch {
        left = true
      }
    }
    this.#removed = !left
    return this.#removed
  }

  #applyLimits(limits: CgroupLimits): void {
    const memory = String(limits.memoryBytes)
    if (this.#version === 1) {
      writeFileSync(join(this.#dirs.memory, 'memory.limit_in_bytes'), memory)
      // memory+swap may only be set once the memory limit is (it must not be lower).
      const memsw = join(this.#dirs.memory, 'memory.memsw.limit_in_bytes')
      if (existsSync(memsw)) writeFileSync(memsw, memory)
      writeFileSync(join(this.#dirs.pids, 'pids.max'), String(limits.tasks))
      return
    }
    writeFileSync(join(this.#dirs.memory, 'memory.max'), memory)
    const swap = join(this.#dirs.memory, 'memory.swap.max')
    if (existsSync(swap)) writeFileSync(swap, '0')
    writeFileSync(join(this.#dirs.pids, 'pids.max'), String(limits.tasks))
  }

  #uniqueDirs(): string[] {
    const { memory, pids, cpu } = this.#dirs
    return [...new Set([memory, pids, ...(cpu === null ? [] : [cpu])])]
  }

  #read(dir: string, file: string): string | null {
    try {
      return readFileSync(join(dir, file), 'utf8')
    } catch {
      return null
    }
  }
}
