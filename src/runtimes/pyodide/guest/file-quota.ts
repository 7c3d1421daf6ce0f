/**
 * Caps the bytes of the sandbox's in-memory files (the scratch dir, /tmp, anything the guest
 * writes). Emscripten's MEMFS keeps file contents in JavaScript ArrayBuffers, outside the capped
 * WebAssembly heap and outside V8's heap limit, so without this a guest writing files could take
 * all of the host's memory (measured elsewhere: an uncapped tmpfs took 4 GiB).
 *
 * Growth is counted as it happens; only near the quota is the true usage recounted (deleted files
 * give their bytes back). The recount includes files that are open but unlinked, so deleting an
 * open file does not hide its bytes.
 *
 * @module
 */
import type { EmscriptenFs, ErrnoCodes, FsNode, MemFs } from './emscripten-fs.js'

/** Above 1 MiB MEMFS grows a file by 1/8; below, it doubles. */
const DOUBLING_LIMIT = 1024 * 1024

export function installFileQuota(fs: EmscriptenFs, errno: ErrnoCodes, quotaBytes: number): void {
  const memfs: MemFs = fs.filesystems.MEMFS
  let counted = countMemfsBytes(fs)

  const reserve = (growth: number): void => {
    if (growth <= 0) return
    if (counted + growth > quotaBytes) counted = countMemfsBytes(fs)
    if (counted + growth > quotaBytes) throw new fs.ErrnoError(errno.ENOSPC)
    counted += growth
  }

  const fileStream = memfs.ops_table.file.stream
  const write = fileStream.write as (...args: unknown[]) => number
  fileStream.write = ((...args: unknown[]) => {
    const [stream, , , length, position] = args as [
      { node: FsNode },
      unknown,
      number,
      number,
      number,
    ]
    reserve(growthOf(stream.node, position + length))
    return write(...args)
  }) as MemFs['ops_table']['file']['stream']['write']

  const resize = memfs.resizeFileStorage
  memfs.resizeFileStorage = (node, newSize) => {
    reserve(newSize - capacityOf(node))
    resize(node, newSize)
  }
}

/** A file's buffer: MEMFS keeps a typed array, not always a Uint8Array (slices of HEAP8 are Int8Arrays). */
function capacityOf(node: FsNode): number {
  return ArrayBuffer.isView(node.contents) ? node.contents.byteLength : 0
}

/** The most a write ending at `end` can add to a file's buffer. */
function growthOf(node: FsNode, end: number): number {
  const capacity = capacityOf(node)
  if (end <= capacity) return 0
  const grown = capacity < DOUBLING_LIMIT ? capacity * 2 : Math.ceil(capacity * 1.125)
  return Math.max(end, grown, 256) - capacity
}

/** Bytes held by every MEMFS file reachable from the root or from an open stream. */
function countMemfsBytes(fs: EmscriptenFs): number {
  const memfs = fs.filesystems.MEMFS
  const seen = new Set<FsNode>()
  let total = 0
  const visit = (node: FsNode): void => {
    if (seen.has(node)) return
    seen.add(node)
    if (node.mounted) visit(node.mounted.root)
    if (node.mount?.type !== memfs) return
    if (fs.isDir(node.mode) && node.contents && !ArrayBuffer.isView(node.contents)) {
      for (const child of Object.values(node.contents)) visit(child)
    } else {
      total += capacityOf(node)
    }
  }
  visit(fs.root)
  for (const stream of fs.streams) if (stream?.node) visit(stream.node)
  return total
}
