/**
 * What the host prepares once per interpreter and host process so that each native sandbox
 * starts fast, in a private directory (0755, named after this process, removed when it exits):
 *
 * - `guest.marshal`: native_main.py and driver.py compiled by the interpreter itself (marshal is
 *   the interpreter's own format). Compiling them at every start cost 6.5 ms; the sandbox can
 *   write no `__pycache__` of its own.
 * - `lib/`: the shared libraries the extension modules load, as hard links (or copies where a
 *   link is not possible) under their file names. One bind instead of one per library: each bind
 *   costs bubblewrap ~0.25 ms, and numpy's interpreter needs ~50 (measured: 30.7 → 19.3 ms for
 *   bwrap and python). The directory holds exactly those libraries, nothing else of the host's.
 *
 * Nothing here is a secret or a trust anchor for the host: it is what the sandbox runs, made by
 * the host from pyward's own files and the host's libraries, readable by the sandbox's user.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const COMPILE_TIMEOUT_MS = 30_000
const DIR_PREFIX = 'pyward-native-'

/** Compiles the two files with the names their frames must carry; writes the code list. */
const COMPILE = `
import marshal, sys
main, driver, out = sys.argv[1:4]
def code(path, name):
    with open(path, encoding="utf-8") as file:
        return compile(file.read(), name, "exec", dont_inherit=True)
with open(out, "wb") as file:
    marshal.dump([code(main, "/opt/pyward/native_main.py"), code(driver, "<pyward-driver>")], file)
`

/** Runs the compiled guest: argv[1:] are the site-packages directories. */
export const GUEST_BOOTSTRAP = [
  'import marshal, sys',
  'with open("/opt/pyward/guest.marshal", "rb") as f: main, driver = marshal.load(f)',
  'exec(main, {"__name__": "__main__", "__file__": "/opt/pyward/native_main.py", "DRIVER_CODE": driver})',
].join('\n')

export interface NativeFiles {
  /** The compiled guest code, a host file. */
  guestCode: string
  /** The directory of libraries, a host path. */
  libDir: string
  /** Libraries that could not go in the directory (a file name taken twice): bound one by one. */
  apart: string[]
}

let privateDir: string | undefined
const prepared = new Map<string, Promise<NativeFiles>>()

/** The prepared files for `executable` (a real path) and these libraries (host paths as found). */
export function prepareNativeFiles(
  executable: string,
  guest: { main: string; driver: string },
  libraries: readonly string[],
): Promise<NativeFiles> {
  const key = `${executable}\0${libraries.join('\0')}`
  let files = prepared.get(key)
  if (files === undefined) {
    files = prepare(executable, guest, libraries, nextIndex++)
    prepared.set(key, files)
    files.catch(() => prepared.delete(key))
    return files
  }
  // Removed under us (a cleaner of old files in /tmp, say): made again.
  return files.then((ready) => {
    if (existsSync(ready.guestCode) && existsSync(ready.libDir)) return ready
    prepared.delete(key)
    return prepareNativeFiles(executable, guest, libraries)
  })
}

let nextIndex = 0

async function prepare(
  executable: string,
  guest: { main: string; driver: string },
  libraries: readonly string[],
  index: number,
): Promise<NativeFiles> {
  const dir = join(ownDirectory(), String(index))
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  try {
    return await fill(dir, executable, guest, libraries)
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

async function fill(
  dir: string,
  executable: string,
  guest: { main: string; driver: string },
  libraries: readonly string[],
): Promise<NativeFiles> {
  const guestCode = join(dir, 'guest.marshal')
  await run(executable, ['-I', '-S', '-c', COMPILE, guest.main, guest.driver, guestCode], {
    env: {},
    timeout: COMPILE_TIMEOUT_MS,
  })
  chmodSync(guestCode, 0o644)
  const libDir = join(dir, 'lib')
  mkdirSync(libDir, { mode: 0o755 })
  const apart: string[] = []
  const taken = new Set<string>()
  for (const library of libraries) {
    const name = basename(library)
    if (taken.has(name)) {
      apart.push(library)
      continue
    }
    taken.add(name)
    const source = realpathSync(library)
    const target = join(libDir, name)
    try {
      linkSync(source, target)
    } catch {
      // Another file system, or a file this user may not link (fs.protected_hardlinks).
      copyFileSync(source, target)
      chmodSync(target, statSync(source).mode & 0o755)
    }
  }
  return { guestCode, libDir, apart }
}

/** This process's directory, made at first use; stale ones of dead processes are removed. */
function ownDirectory(): string {
  if (privateDir !== undefined && existsSync(privateDir)) return privateDir
  removeStaleDirectories()
  privateDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`))
  // mkdtemp makes it 0700: the sandbox may run as a uid of its own (on a root host).
  chmodSync(privateDir, 0o755)
  const dir = privateDir
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  return privateDir
}

function removeStaleDirectories(): void {
  let entries: string[]
  try {
    entries = readdirSync(tmpdir())
  } catch {
    return
  }
  for (const entry of entries) {
    const pid = Number(new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(entry)?.[1])
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue
    const path = join(tmpdir(), entry)
    try {
      // Only our own: another user's directory is theirs to remove.
      if (statSync(path).uid === process.getuid?.()) rmSync(path, { recursive: true, force: true })
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
