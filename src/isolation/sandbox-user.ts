/**
 * The user a sandbox runs as on a host run as root. Inside its user namespace a sandbox is uid
 * 65534 whatever happens, but the kernel checks files by the host uid it maps to: run as root, it
 * would pass every owner check on what it can see (/proc's root-only files, leases on bound
 * files, per-user limits shared with every root process). Run as `nobody`, it passes none.
 *
 * @module
 */
import { statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface SandboxUser {
  uid: number
  gid: number
}

/** `nobody` on Linux distributions. */
export const UNPRIVILEGED_USER: SandboxUser = { uid: 65534, gid: 65534 }

const READ = 4
const EXECUTE = 1

/**
 * Whether `user` (with no supplementary groups) can reach and read `path`: search permission on
 * every directory above it, read (and search, for a directory) on the path itself. Decided from
 * the mode bits; an ACL that would grant more is not consulted, which only ever errs toward
 * running as the host's user.
 */
export function readableBy(path: string, user: SandboxUser): boolean {
  try {
    const own = statSync(path)
    if (!allows(own, user, own.isDirectory() ? READ | EXECUTE : READ)) return false
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if (!allows(statSync(dir), user, EXECUTE)) return false
      if (dir === dirname(dir)) return true
    }
  } catch {
    return false
  }
}

function allows(stat: { uid: number; gid: number; mode: number }, user: SandboxUser, bits: number) {
  const shift = stat.uid === user.uid ? 6 : stat.gid === user.gid ? 3 : 0
  return ((stat.mode >> shift) & bits) === bits
}
