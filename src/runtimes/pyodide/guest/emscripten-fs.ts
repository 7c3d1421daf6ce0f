/**
 * The few parts of Emscripten's file system the sandbox touches. Pyodide exposes them untyped;
 * naming them here keeps the casts in one place.
 *
 * @module
 */

export interface FsNode {
  name: string
  mode: number
  parent: FsNode
  mount: { type: unknown } | undefined
  mounted: { root: FsNode } | null
  contents: Record<string, FsNode> | ArrayBufferView | undefined
  usedBytes?: number
}

export interface FsStream {
  node: FsNode
}

export interface EmscriptenFs {
  root: FsNode
  streams: (FsStream | null | undefined)[]
  filesystems: { MEMFS: MemFs; NODEFS: NodeFs }
  ErrnoError: new (errno: number) => Error
  isDir(mode: number): boolean
  isFile(mode: number): boolean
  isLink(mode: number): boolean
  mkdirTree(path: string): void
  mount(type: unknown, options: object, mountpoint: string): void
  writeFile(path: string, data: Uint8Array): void
  readFile(path: string): Uint8Array
  lstat(path: string): { mode: number; size: number }
  readdir(path: string): string[]
}

export interface MemFs {
  ops_table: { file: { stream: { write: (...args: never[]) => number } } }
  resizeFileStorage: (node: FsNode, newSize: number) => void
}

export interface NodeFs {
  convertNodeCode: (error: { code?: string }) => number | undefined
}

/** Emscripten's errno numbers (they differ from Linux's). */
export interface ErrnoCodes {
  EACCES: number
  EIO: number
  ENOSPC: number
}
