/**
 * The shared libraries that the extension modules under some directories load from outside them
 * (numpy's BLAS, _ctypes' libffi, _ssl's libssl…): the native sandbox's root must hold them, at
 * the paths the host's loader finds them. The loader itself answers (`ld.so --list`, as for the
 * interpreter: binary-dependencies.ts), for each `.so` file, a few at a time; once per directory
 * and host process (~0.3 s for a site-packages of 200 modules on 2 cores).
 *
 * A module whose library the host lacks is left out: it fails to import inside the sandbox just
 * as it would on the host.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseLoaderListing } from '../../isolation/binary-dependencies.js'

const run = promisify(execFile)
const CONCURRENCY = 8
const LOADER_TIMEOUT_MS = 10_000
const EXTENSION = /\.so(\.\d+)*$/

const scans = new Map<string, Promise<string[]>>()

/** Libraries (host paths as the loader found them) that the `.so` files under `dir` load from outside it. */
export function scanLibraries(loader: string, dir: string): Promise<string[]> {
  const key = `${loader}\0${dir}`
  let scan = scans.get(key)
  if (scan === undefined) {
    scan = scanDirectory(loader, dir)
    scans.set(key, scan)
    scan.catch(() => scans.delete(key))
  }
  return scan
}

async function scanDirectory(loader: string, dir: string): Promise<string[]> {
  const files = await findExtensions(dir)
  const found = new Set<string>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++] as string
      for (const library of await listLibraries(loader, file)) {
        if (!library.startsWith(`${dir}/`)) found.add(library)
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return [...found].sort()
}

/** Every shared object under `dir`, without following symlinked directories. */
async function findExtensions(dir: string): Promise<string[]> {
  const files: string[] = []
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  for (const entry of entries) {
    if (entry.isFile() && EXTENSION.test(entry.name)) {
      files.push(join(entry.parentPath ?? (entry as { path: string }).path, entry.name))
    }
  }
  return files
}

async function listLibraries(loader: string, file: string): Promise<string[]> {
  try {
    const { stdout } = await run(loader, ['--list', file], {
      env: {},
      timeout: LOADER_TIMEOUT_MS,
      encoding: 'utf8',
    })
    return parseLoaderListing(stdout)
  } catch {
    // Not loadable here (a library the host lacks, another architecture): left out.
    return []
  }
}
