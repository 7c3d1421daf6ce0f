/**
 * The sandbox side of files: initial files, read-only mounts, and the host's file requests on the
 * scratch dir. Paths arrive already checked by the host; they are checked again here because this
 * code, not the host's, decides what the virtual file system does.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { posix } from 'node:path'
import type { FileEntry, InitMessage } from '../../../protocol/messages.js'
import { MAX_LISTED_FILES } from '../../../protocol/protocol-limits.js'
import type { EmscriptenFs, ErrnoCodes } from './emscripten-fs.js'

export type FileReply =
  | { type: 'file'; data: string }
  | { type: 'fileList'; entries: FileEntry[] }
  | { type: 'done' }
  | {
      type: 'failed'
      code: 'FILE_NOT_FOUND' | 'FILE_TOO_LARGE' | 'INVALID_PATH' | 'IO_ERROR'
      message: string
    }

/**
 * Mounts host paths read-only. Directories go through NODEFS, whose reads Node's permission model
 * limits to the mounted paths and whose writes it refuses; the refusal (ERR_ACCESS_DENIED, which
 * NODEFS does not know) becomes EACCES, a PermissionError in Python, instead of a broken errno.
 * A single file is copied in and made read-only.
 */
export function mountReadOnly(
  fs: EmscriptenFs,
  errno: ErrnoCodes,
  mounts: InitMessage['mounts'],
): void {
  const nodefs = fs.filesystems.NODEFS
  const convert = nodefs.convertNodeCode
  nodefs.convertNodeCode = (error) =>
    convert(error) ?? (error.code === 'ERR_ACCESS_DENIED' ? errno.EACCES : errno.EIO)
  for (const mount of mounts) {
    if (mount.kind === 'directory') {
      fs.mkdirTree(mount.sandboxPath)
      fs.mount(nodefs, { root: mount.hostPath }, mount.sandboxPath)
    } else {
      fs.mkdirTree(posix.dirname(mount.sandboxPath))
      fs.writeFile(mount.sandboxPath, new Uint8Array(readFileSync(mount.hostPath)))
      ;(fs as unknown as { chmod(path: string, mode: number): void }).chmod(
        mount.sandboxPath,
        0o444,
      )
    }
  }
}

export class GuestFiles {
  readonly #fs: EmscriptenFs
  readonly #scratchDir: string
  readonly #maxFileBytes: number

  constructor(fs: EmscriptenFs, scratchDir: string, maxFileBytes: number) {
    this.#fs = fs
    this.#scratchDir = scratchDir
    this.#maxFileBytes = maxFileBytes
  }

  write(path: string, data: Uint8Array): FileReply {
    const checked = this.#check(path)
    if (typeof checked !== 'string') return checked
    try {
      this.#fs.mkdirTree(posix.dirname(checked))
      this.#fs.writeFile(checked, data)
      return { type: 'done' }
    } catch (error) {
      return {
        type: 'failed',
        code: 'IO_ERROR',
        message: `cannot write ${path}: ${describe(error)}`,
      }
    }
  }

  read(path: string): FileReply {
    const checked = this.#check(path)
    if (typeof checked !== 'string') return checked
    let stat: { mode: number; size: number }
    try {
      // lstat: a symlink is reported, never followed, so a returned file is always the file the
      // caller named inside the scratch dir.
      stat = this.#fs.lstat(checked)
    } catch {
      return {
        type: 'failed',
        code: 'FILE_NOT_FOUND',
        message: `no file ${path} in the scratch dir`,
      }
    }
    if (!this.#fs.isFile(stat.mode)) {
      return { type: 'failed', code: 'FILE_NOT_FOUND', message: `${path} is not a regular file` }
    }
    if (stat.size > this.#maxFileBytes) {
      return {
        type: 'failed',
        code: 'FILE_TOO_LARGE',
        message: `${path} has ${stat.size} bytes, more than the ${this.#maxFileBytes} a file may move out`,
      }
    }
    try {
      return { type: 'file', data: Buffer.from(this.#fs.readFile(checked)).toString('base64') }
    } catch (error) {
      return {
        type: 'failed',
        code: 'IO_ERROR',
        message: `cannot read ${path}: ${describe(error)}`,
      }
    }
  }

  /** Every entry under the scratch dir, depth first, without following symlinks. */
  list(): FileReply {
    const entries: FileEntry[] = []
    const walk = (dir: string): void => {
      for (const name of this.#fs.readdir(dir)) {
        if (name === '.' || name === '..') continue
        const path = posix.join(dir, name)
        const stat = this.#fs.lstat(path)
        const relative = posix.relative(this.#scratchDir, path)
        if (this.#fs.isDir(stat.mode)) {
          entries.push({ path: relative, type: 'directory', size: 0 })
          walk(path)
        } else {
          entries.push({
            path: relative,
            type: this.#fs.isFile(stat.mode) ? 'file' : 'other',
            size: stat.size,
          })
        }
        if (entries.length >= MAX_LISTED_FILES) return
      }
    }
    try {
      walk(this.#scratchDir)
    } catch (error) {
      return {
        type: 'failed',
        code: 'IO_ERROR',
        message: `cannot list the scratch dir: ${describe(error)}`,
      }
    }
    return { type: 'fileList', entries }
  }

  #check(path: string): string | FileReply {
    const absolute = posix.resolve(this.#scratchDir, path)
    if (!absolute.startsWith(`${this.#scratchDir}/`)) {
      return { type: 'failed', code: 'INVALID_PATH', message: `${path} is outside the scratch dir` }
    }
    return absolute
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
