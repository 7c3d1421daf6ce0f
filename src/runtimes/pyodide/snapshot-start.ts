/**
 * How a new sandbox's interpreter starts: from the cached memory snapshot when there is a
 * trustworthy one (~0.3 s), otherwise after building one (once per host and key, in a sandbox of
 * its own), and cold (~2 s) only when no snapshot can be had — with a warning saying why, never a
 * weaker sandbox.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SandboxError } from '../../errors.js'
import { nextSandboxUser, readableBy, type SandboxUser } from '../../isolation/sandbox-user.js'
import { type ResolvedPolicy, resolvePolicy } from '../../policy/resolve-policy.js'
import { makeSnapshot, type StartFrom } from './pyodide-launch.js'
import { locateRuntimeFiles } from './runtime-files.js'
import {
  cacheDirProblem,
  findSnapshot,
  snapshotCacheDir,
  snapshotKey,
  storeSnapshot,
} from './snapshot-cache.js'

/** Set to `off` to start every sandbox cold (for comparison, or to rule the snapshot out). */
export const SNAPSHOT_VARIABLE = 'PYWARD_SNAPSHOT'

/**
 * Modules imported before the snapshot is taken, so a run does not pay for them: the driver's own
 * and the standard library's most used. Importing them does not grow the 30 MiB heap.
 */
export const SNAPSHOT_PRELOAD = [
  'ast',
  'asyncio',
  'base64',
  'collections',
  'dataclasses',
  'datetime',
  'decimal',
  'fractions',
  'functools',
  'hashlib',
  'inspect',
  'itertools',
  'json',
  'linecache',
  'math',
  'random',
  're',
  'statistics',
  'string',
  'textwrap',
  'traceback',
  'typing',
]

/** Bump when what goes into a snapshot changes without a version of pyward or Pyodide changing. */
const SNAPSHOT_FORMAT = 1

/** After a failed build, sandboxes start cold for this long before a build is tried again. */
const RETRY_BUILD_MS = 10 * 60 * 1_000

/** This process's snapshot key: what it depends on does not change while the process runs. */
let key: string | undefined
/** The user readableAsPyodide() asks about. */
let probeUser: SandboxUser | undefined
/** Snapshot files a sandbox could not restore, in this process. */
const refused = new Set<string>()
const builds = new Map<string, Promise<void>>()
const failedBuilds = new Map<string, number>()
const warned = new Set<string>()

export async function chooseStart(policy: ResolvedPolicy): Promise<StartFrom> {
  if (process.env[SNAPSHOT_VARIABLE] === 'off') return { kind: 'cold' }
  const files = locateRuntimeFiles()
  const dir = snapshotCacheDir(files.pyodideDir)
  key ??= snapshotKey({
    pyodideVersion: readVersion(join(files.pyodideDir, 'package.json')),
    pywardVersion: readVersion(files.packageJson),
    nodeVersion: process.version,
    preload: SNAPSHOT_PRELOAD,
    format: SNAPSHOT_FORMAT,
    builder: digestOf(
      join(files.distDir, 'runtimes/pyodide/guest/start-interpreter.js'),
      join(files.distDir, 'runtimes/python/driver.py'),
    ),
  })
  const dirProblem = cacheDirProblem(dir)
  if (dirProblem) {
    warnOnce(
      `pyward does not use its start-up snapshot cache: ${dirProblem}. Sandboxes start cold (~2 s). Point PYWARD_CACHE_DIR at a directory only this user can write.`,
    )
    return { kind: 'cold' }
  }
  const entry = `${dir}\0${key}`
  let found = findSnapshot(dir, key)
  // A snapshot a sandbox refused (its content was not the recorded one) is built anew.
  if (found.file !== null && refused.has(found.file)) found = { file: null, problem: null }
  if (found.file === null) {
    const failedAt = failedBuilds.get(entry)
    if (failedAt !== undefined && Date.now() - failedAt < RETRY_BUILD_MS) return { kind: 'cold' }
    try {
      await buildOnce(dir, key, policy)
    } catch (error) {
      // A host that cannot give the isolation asked for says so, as the sandbox itself would.
      if (error instanceof SandboxError && error.code === 'ISOLATION_UNAVAILABLE') throw error
      failedBuilds.set(entry, Date.now())
      warnOnce(
        `pyward could not build its start-up snapshot in ${dir} (${(error as Error).message}); sandboxes start cold (~2 s) until it can. Set PYWARD_CACHE_DIR to a directory this user owns.`,
      )
      return { kind: 'cold' }
    }
    found = findSnapshot(dir, key)
    if (found.file === null) {
      warnOnce(
        `pyward's start-up snapshot in ${dir} cannot be used (${found.problem ?? 'it vanished'}); sandboxes start cold.`,
      )
      return { kind: 'cold' }
    }
  }
  // On a root host each sandbox runs as a user of its own when it can read what it is given:
  // a snapshot it could not read would make it run as root instead. Start cold rather.
  if (process.getuid?.() === 0 && !readableAsPyodide(found.file, files.pyodideDir)) {
    warnOnce(
      `pyward's start-up snapshot ${found.file} is not readable by other users, as sandboxes run; sandboxes start cold. Set PYWARD_CACHE_DIR to a directory others can read.`,
    )
    return { kind: 'cold' }
  }
  return { kind: 'restore', file: found.file, sha256: found.sha256 }
}

/**
 * Whether an unprivileged user who can read Pyodide can read `file` too (mode bits along each
 * path). Any uid other than the owners' stands for every sandbox user: one is taken once.
 */
function readableAsPyodide(file: string, pyodideDir: string): boolean {
  probeUser ??= nextSandboxUser()
  return !readableBy(pyodideDir, probeUser) || readableBy(file, probeUser)
}

/**
 * Called when a sandbox could not start from `file` (it said why, before any guest code ran): the
 * next start builds a new snapshot instead (a rebuild writes a file of another name).
 */
export function refuseSnapshot(file: string, reason: string): void {
  refused.add(file)
  warnOnce(
    `pyward could not start a sandbox from its snapshot ${file} (${reason}); it started cold, and the next start builds a new snapshot.`,
  )
}

/** One build per key at a time in this process; concurrent starts wait for the same one. */
function buildOnce(dir: string, key: string, policy: ResolvedPolicy): Promise<void> {
  const entry = `${dir}\0${key}`
  let build = builds.get(entry)
  if (!build) {
    build = (async () => {
      // A sandbox of the default policy with no mounts, files or environment: nothing of the
      // caller's (or the host's) gets into the heap every later sandbox starts from.
      const buildPolicy = resolvePolicy({ isolation: policy.isolation })
      const snapshot = await makeSnapshot(buildPolicy, SNAPSHOT_PRELOAD)
      storeSnapshot(dir, key, snapshot)
    })().finally(() => builds.delete(entry))
    builds.set(entry, build)
  }
  return build
}

/** The code that builds the snapshot and the driver it holds: a change to them is a new snapshot. */
function digestOf(...paths: string[]): string {
  const hash = createHash('sha256')
  for (const path of paths) hash.update(readFileSync(path))
  return hash.digest('hex')
}

function readVersion(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
}

function warnOnce(message: string): void {
  if (warned.has(message)) return
  warned.add(message)
  process.emitWarning(message, { code: 'PYWARD_SNAPSHOT' })
}
