/**
 * What an executable needs to run inside an empty root: its ELF interpreter (the dynamic loader,
 * at the exact path the binary names) and the shared libraries the loader resolves for it. The
 * loader itself answers (`ld.so --list`, what `ldd` runs), so the list is what it would load.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, readSync, realpathSync } from 'node:fs'

export interface BinaryDependencies {
  /** The dynamic loader named in the binary (PT_INTERP), or null for a static binary. */
  interpreter: string | null
  /** Each library at the path the loader found it (which may be a symlink). */
  libraries: string[]
}

const PT_INTERP = 3
const ELF_HEADER_BYTES = 64
const LOADER_TIMEOUT_MS = 10_000

/** Lists what `executable` loads; throws with the loader's message when it cannot. */
export function findBinaryDependencies(executable: string): BinaryDependencies {
  const interpreter = readElfInterpreter(executable)
  if (interpreter === null) return { interpreter: null, libraries: [] }
  const listing = execFileSync(interpreter, ['--list', executable], {
    encoding: 'utf8',
    env: process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {},
    timeout: LOADER_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return { interpreter, libraries: parseLoaderListing(listing) }
}

/** `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` lines; the vDSO has no file. */
export function parseLoaderListing(listing: string): string[] {
  const libraries: string[] = []
  for (const line of listing.split('\n')) {
    const missing = /^\s*(\S+) => not found/.exec(line)
    if (missing) throw new Error(`the shared library ${missing[1]} was not found`)
    const match = /^\s*(\S+) => (\S.*?) \(0x[0-9a-f]+\)$/.exec(line)
    if (match) libraries.push(match[2] as string)
  }
  return libraries
}

/** The PT_INTERP path of a 64-bit little-endian ELF file, or null when it has none. */
export function readElfInterpreter(executable: string): string | null {
  const fd = openSync(realpathSync(executable), 'r')
  try {
    const header = Buffer.alloc(ELF_HEADER_BYTES)
    readSync(fd, header, 0, ELF_HEADER_BYTES, 0)
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${executable} is not a 64-bit little-endian ELF executable`)
    }
    const programHeaders = Number(header.readBigUInt64LE(32))
    const entrySize = header.readUInt16LE(54)
    const count = header.readUInt16LE(56)
    const table = Buffer.alloc(entrySize * count)
    readSync(fd, table, 0, table.length, programHeaders)
    for (let i = 0; i < count; i++) {
      const entry = table.subarray(i * entrySize, (i + 1) * entrySize)
      if (entry.readUInt32LE(0) !== PT_INTERP) continue
      const path = Buffer.alloc(Number(entry.readBigUInt64LE(32)))
      readSync(fd, path, 0, path.length, Number(entry.readBigUInt64LE(8)))
      return path.toString('utf8').replace(/\0+$/, '')
    }
    return null
  } finally {
    closeSync(fd)
  }
}
