/**
 * Where this host lets pyward create one cgroup per sandbox, found from /proc/self/mountinfo and
 * /proc/self/cgroup: cgroup v1 where the memory controller is mounted as v1 (this is what hybrid
 * hosts have), otherwise cgroup v2.
 *
 * - v1: a leaf under this process's own cgroup in the memory, pids and cpuacct hierarchies.
 * - v2: a leaf under `PYWARD_CGROUP_PARENT` when set (a delegated directory with memory and pids
 *   in its cgroup.subtree_control), else under this process's cgroup if the memory and pids
 *   controllers are already enabled for its children there. pyward never moves the host process
 *   or changes a cgroup it did not create.
 *
 * @module
 */
import { accessSync, constants, readFileSync } from 'node:fs'
import { join } from 'node:path'

export type CgroupParent =
  | { version: 1; memory: string; pids: string; cpuacct: string | null }
  | { version: 2; dir: string }

export type CgroupLookup = { ok: true; parent: CgroupParent } | { ok: false; reason: string }

export const CGROUP_PARENT_VARIABLE = 'PYWARD_CGROUP_PARENT'

interface CgroupMount {
  mountPoint: string
  /** The path of the mount's root within the hierarchy. */
  root: string
  version: 1 | 2
  controllers: string[]
}

/** Reads this process's cgroup situation; `proc` is for tests. */
export function findCgroupParent(
  proc = { mountinfo: '/proc/self/mountinfo', cgroup: '/proc/self/cgroup' },
  env: NodeJS.ProcessEnv = process.env,
): CgroupLookup {
  let mounts: CgroupMount[]
  let membership: Map<string, string>
  try {
    mounts = parseCgroupMounts(readFileSync(proc.mountinfo, 'utf8'))
    membership = parseCgroupMembership(readFileSync(proc.cgroup, 'utf8'))
  } catch {
    return { ok: false, reason: 'no /proc/self/cgroup (not Linux, or /proc is not mounted)' }
  }
  const v1 = (controller: string) =>
    mounts.find((mount) => mount.version === 1 && mount.controllers.includes(controller))
  const memory = v1('memory')
  if (memory) {
    const pids = v1('pids')
    if (!pids) return { ok: false, reason: 'cgroup v1 has no pids hierarchy mounted' }
    const cpuacct = v1('cpuacct')
    const cpuacctDir = cpuacct ? ownDir(cpuacct, membership) : null
    const parent: CgroupParent = {
      version: 1,
      memory: ownDir(memory, membership),
      pids: ownDir(pids, membership),
      // CPU accounting is a nicety: without a writable cpuacct, the host reads /proc instead.
      cpuacct: cpuacctDir !== null && isWritable(cpuacctDir) ? cpuacctDir : null,
    }
    const unwritable = [parent.memory, parent.pids].filter((dir) => !isWritable(dir))
    if (unwritable.length > 0) {
      return {
        ok: false,
        reason: `cgroup v1 directories are not writable: ${unwritable.join(', ')}`,
      }
    }
    return { ok: true, parent }
  }
  const unified = mounts.find((mount) => mount.version === 2)
  if (!unified)
    return { ok: false, reason: 'no cgroup hierarchy with a memory controller is mounted' }
  const dir = env[CGROUP_PARENT_VARIABLE] || ownDir(unified, membership)
  const enabled = readWords(join(dir, 'cgroup.subtree_control'))
  const missing = ['memory', 'pids'].filter((controller) => !enabled.includes(controller))
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `cgroup v2 directory ${dir} does not enable ${missing.join(' and ')} for its children`,
    }
  }
  if (!isWritable(dir)) return { ok: false, reason: `cgroup v2 directory ${dir} is not writable` }
  return { ok: true, parent: { version: 2, dir } }
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = []
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields] - fstype source super-options
    const [left, right] = line.split(' - ')
    if (!left || !right) continue
    const fields = left.split(' ')
    const [fsType, , superOptions = ''] = right.split(' ')
    const root = unescapeMountPath(fields[3] ?? '/')
    const mountPoint = unescapeMountPath(fields[4] ?? '')
    if (fsType === 'cgroup2') mounts.push({ mountPoint, root, version: 2, controllers: [] })
    if (fsType === 'cgroup') {
      mounts.push({ mountPoint, root, version: 1, controllers: superOptions.split(',') })
    }
  }
  return mounts
}

/** `hierarchy-id:controllers:path` lines, keyed by controller ('' for v2's line). */
export function parseCgroupMembership(text: string): Map<string, string> {
  const membership = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line)
    if (!match) continue
    const path = match[2] as string
    for (const controller of (match[1] as string).split(',')) membership.set(controller, path)
  }
  return membership
}

function ownDir(mount: CgroupMount, membership: Map<string, string>): string {
  const key = mount.version === 2 ? '' : (mount.controllers.find((c) => membership.has(c)) ?? '')
  const path = membership.get(key) ?? '/'
  const relative = path.startsWith(mount.root) ? path.slice(mount.root.length) : path
  return join(mount.mountPoint, relative)
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  )
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/)
  } catch {
    return []
  }
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}
