/**
 * Where memory snapshots are kept on the host, and when one may be used.
 *
 * A snapshot is the Python heap a new sandbox starts from: whoever could write it would run code
 * in every later sandbox. So only the host writes the cache (sandboxes see the file through a
 * read-only bind, and cannot write any host file anyway), and a snapshot is used only if the
 * directory and the file belong to this user (or root), are writable by no one else, and the file's
 * content is the one recorded when it was stored.
 *
 * Layout: `<key>.json` names the snapshot of one key (Pyodide's, pyward's and Node's versions, the
 * preloaded modules, the code that builds it), and the snapshot itself is `<sha256>.snapshot`, named by
 * its content. Both are written to a temporary name and renamed into place, so a reader never sees
 * half a file, and two hosts building the same key at once each leave a whole, valid one.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** The sticky bit: in such a directory only an entry's owner may rename or delete it. */
const STICKY = 0o1000

/** The environment variable that moves the cache. */
export const CACHE_DIR_VARIABLE = 'PYWARD_CACHE_DIR'

/** Unnamed snapshots and temporary files this old are deleted when a snapshot is stored. */
const STALE_MS = 60 * 60 * 1_000

/**
 * The cache directory, absolute: $PYWARD_CACHE_DIR (relative to the working directory), or
 * `.cache/pyward` beside the `pyodide` package (in `node_modules`, where bundlers keep their
 * caches too), which every sandbox can read whenever it can read Pyodide itself.
 */
export function snapshotCacheDir(pyodideDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CACHE_DIR_VARIABLE]
  if (configured) return resolve(configured)
  return join(dirname(pyodideDir), '.cache', 'pyward')
}

export interface SnapshotKeyParts {
  pyodideVersion: string
  pywardVersion: string
  nodeVersion: string
  preload: readonly string[]
  format: number
  /** Digest of the guest code that builds the snapshot. */
  builder: string
}

/** A short, file-name-safe digest of everything a snapshot's content depends on. */
export function snapshotKey(parts: SnapshotKeyParts): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)
  return `pyodide-${parts.pyodideVersion.replace(/[^0-9A-Za-z.]/g, '_')}-${digest}`
}

/**
 * Why the cache directory may not be used, or null: it (once symlinks are resolved) or a directory
 * above it is not root's or this user's, or the cache directory can be written by others, or a
 * directory above it can be by others without being sticky. Checked like OpenSSH's StrictModes.
 */
export function cacheDirProblem(dir: string): string | null {
  // Not made yet, what matters is the nearest directory that exists, and those above it.
  let nearest = dir
  while (!existsSync(nearest) && nearest !== dirname(nearest)) nearest = dirname(nearest)
  let above: string
  try {
    above = realpathSync(nearest)
    if (nearest === dir) {
      const own = untrusted(lstatSync(above), 'directory')
      if (own) return `${above} ${own}`
      above = dirname(above)
    }
    for (; ; above = dirname(above)) {
      const stat = lstatSync(above)
      const problem = untrusted(stat, 'directory', (stat.mode & STICKY) !== 0)
      if (problem) return `${above}, above the cache, ${problem}`
      if (above === dirname(above)) return null
    }
  } catch (error) {
    return (error as Error).message
  }
}

/** A snapshot that may be offered to a sandbox: its file, and the SHA-256 its content must have. */
export interface SnapshotFile {
  file: string
  sha256: string
}

/**
 * The snapshot of `key` in a directory {@link cacheDirProblem} accepted, or null when there is
 * none (or none that may be trusted: `problem` says why). Its content is checked by the sandbox,
 * against `sha256`, before it is restored.
 */
export function findSnapshot(
  dir: string,
  key: string,
): SnapshotFile | { file: null; problem: string | null } {
  let pointer: { file?: unknown; sha256?: unknown; bytes?: unknown }
  try {
    pointer = JSON.parse(readTrusted(join(dir, `${key}.json`)).toString('utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: null, problem: null }
    return { file: null, problem: (error as Error).message }
  }
  const { sha256, bytes } = pointer
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256) || typeof bytes !== 'number') {
    return { file: null, problem: `${join(dir, `${key}.json`)} is not a snapshot record` }
  }
  const file = join(dir, `${sha256}.snapshot`)
  let stat: Stats
  try {
    stat = lstatSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: null, problem: null }
    return { file: null, problem: (error as Error).message }
  }
  const problem = untrusted(stat, 'file') ?? (stat.size !== bytes ? 'has the wrong size' : null)
  if (problem) return { file: null, problem: `${file} ${problem}` }
  return { file, sha256 }
}

/** Stores a snapshot as `key`'s and returns its file. */
export function storeSnapshot(dir: string, key: string, snapshot: Uint8Array): string {
  makeCacheDir(dir)
  const dirProblem = cacheDirProblem(dir)
  if (dirProblem) throw new Error(dirProblem)
  const sha256 = createHash('sha256').update(snapshot).digest('hex')
  const file = join(dir, `${sha256}.snapshot`)
  writeAtomically(file, snapshot)
  writeAtomically(
    join(dir, `${key}.json`),
    Buffer.from(`${JSON.stringify({ sha256, bytes: snapshot.byteLength })}\n`),
  )
  removeStale(dir, file)
  return file
}

/**
 * Creates the directory and any missing parents readable and searchable by everyone (whatever the
 * umask): on a root host each sandbox runs as a user of its own, which must be able to read the
 * snapshot through its bind. Nothing in it is secret: it is Pyodide's heap after importing the
 * standard library.
 */
function makeCacheDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o755 })
  if (created === undefined) return
  for (let path = dir; ; path = dirname(path)) {
    chmodSync(path, 0o755)
    if (path === created || path === dirname(path)) return
  }
}

function writeAtomically(path: string, data: Uint8Array): void {
  const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, data, { flag: 'wx', mode: 0o644 })
    chmodSync(temporary, 0o644)
    renameSync(temporary, path)
  } catch (error) {
    try {
      unlinkSync(temporary)
    } catch {}
    throw error
  }
}

/**
 * Deletes snapshots no record names (an older build of the same key) and stray temporary files,
 * once they are an hour old: a host that verified one a moment ago may be about to bind it.
 */
function removeStale(dir: string, keep: string): void {
  const now = Date.now()
  const named = new Set<string>([keep])
  const entries = readdirSync(dir)
  for (const entry of entries) {
    if (!entry.endsWith('.json')) continue
    try {
      const { sha256 } = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as { sha256?: string }
      named.add(join(dir, `${sha256}.snapshot`))
    } catch {}
  }
  for (const entry of entries) {
    const path = join(dir, entry)
    if (!(entry.endsWith('.snapshot') || entry.endsWith('.tmp')) || named.has(path)) continue
    try {
      if (now - lstatSync(path).mtimeMs > STALE_MS) unlinkSync(path)
    } catch {}
  }
}

function readTrusted(path: string): Buffer {
  const descriptor = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const problem = untrusted(fstatSync(descriptor), 'file')
    if (problem) throw new Error(`${path} ${problem}`)
    return readFileSync(descriptor)
  } finally {
    closeSync(descriptor)
  }
}

/**
 * Why a cache entry may not be trusted, or null: it must be ours (or root's) and ours alone to
 * change (`sticky`: a directory others may write but not rename or delete our entries in).
 */
function untrusted(stat: Stats, kind: 'file' | 'directory', sticky = false): string | null {
  if (kind === 'directory' ? !stat.isDirectory() : !stat.isFile()) return `is not a ${kind}`
  const uid = process.geteuid?.()
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    return `belongs to uid ${stat.uid}, not to this user (${uid}) or root`
  }
  if ((stat.mode & 0o022) !== 0 && !sticky) {
    return `is writable by others (mode ${(stat.mode & 0o777).toString(8)})`
  }
  return null
}
