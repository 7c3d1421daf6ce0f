/**
 * Rules for paths inside the sandbox. These are paths of the guest's virtual file system, never
 * host paths: the host only ever names them in protocol messages.
 *
 * @module
 */
import { posix } from 'node:path'
import { SCRATCH_DIR } from './limits.js'

/**
 * Sandbox directories a mount may not cover: the runtimes' own files (Pyodide's under /opt; the
 * native interpreter's under /usr, /lib and /lib64, its packages under /opt/site-packages), the
 * devices, the scratch dir and the root. A mount there would hide or replace what the interpreter
 * needs. (A native interpreter's libraries may also sit at other host paths: the native runtime
 * checks the mounts against those when it starts.)
 */
const RESERVED_DIRS = [
  '/',
  '/lib',
  '/lib64',
  '/usr',
  '/opt/pyward',
  '/opt/pyodide',
  '/opt/site-packages',
  '/dev',
  '/proc',
  '/tmp',
  '/home',
  SCRATCH_DIR,
]

/**
 * Resolves a path given by a caller for a file in the scratch dir (relative to it, or absolute
 * inside it) to its absolute sandbox path. Returns an error text for anything outside it.
 */
export function resolveScratchPath(path: string): { path: string } | { error: string } {
  if (path.length === 0 || path.includes('\0')) {
    return { error: 'must be a non-empty path without NUL characters' }
  }
  const absolute = posix.resolve(SCRATCH_DIR, path)
  if (!absolute.startsWith(`${SCRATCH_DIR}/`)) {
    return { error: `must name a file inside the scratch dir ${SCRATCH_DIR} (relative to it)` }
  }
  return { path: absolute }
}

/** Checks the sandbox path of a read-only mount. Returns an error text, or null when it is fine. */
export function checkMountPath(path: string): string | null {
  if (!path.startsWith('/') || path.includes('\0')) {
    return 'must be an absolute sandbox path such as /mnt/data'
  }
  if (posix.normalize(path) !== path || path.endsWith('/')) {
    return `must be normalized (no "..", "." or trailing "/"): use ${posix.normalize(path).replace(/\/$/, '') || '/'}`
  }
  const clash = RESERVED_DIRS.find(
    (dir) =>
      path === dir || (dir !== '/' && (path.startsWith(`${dir}/`) || dir.startsWith(`${path}/`))),
  )
  if (clash) {
    return `clashes with ${clash}, which the sandbox needs for itself: mount under /mnt instead`
  }
  return null
}
