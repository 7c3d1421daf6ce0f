/**
 * The user a sandbox runs as on a host run as root. Inside its user namespace a sandbox is uid
 * 65534 whatever happens, but the kernel checks files by the host uid it maps to: run as root, it
 * would pass every owner check on what it can see (/proc's root-only files, leases on bound
 * files). And the kernel counts some resources per host uid, across namespaces (epoll watches,
 * queued signals, message queues, pipe buffers, fds in flight): sandboxes that shared one uid
 * could starve each other, or the host (measured: one sandbox took every epoll watch of its uid,
 * and the next sandbox's Node aborted). So each sandbox gets a host uid of its own, from a range
 * no distribution gives to users (systemd leaves 0x70000000–0x7ffdffff unused).
 *
 * @module
 */
import { randomInt } from 'node:crypto'
import { statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface SandboxUser {
  uid: number
  gid: number
}

export const SANDBOX_UID_BASE = 0x70000000
export const SANDBOX_UID_COUNT = 0x01000000

let next = randomInt(SANDBOX_UID_COUNT)

/**
 * A host uid (and the gid of the same number) that no other sandbox of this host process is
 * using: consecutive from a random start, so concurrent hosts rarely meet.
 */
export function nextSandboxUser(): SandboxUser {
  const id = SANDBOX_UID_BASE + next
  next = (next + 1) % SANDBOX_UID_COUNT
  return { uid: id, gid: id }
}

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
