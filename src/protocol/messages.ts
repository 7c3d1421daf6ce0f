/**
 * Messages of the host⇄sandbox protocol, version {@link PROTOCOL_VERSION}.
 *
 * - The sandbox speaks first, once its interpreter is ready: `hello` (or `startFailed`).
 *   Before that the host sends `init` with the policy the sandbox needs to start.
 * - Then the host sends one request at a time (`run`, `call`, `writeFile`, `readFile`,
 *   `listFiles`), each with an `id`; the sandbox answers it with one message carrying that `id`,
 *   after any number of stdout/stderr frames for a run.
 * - Binary data (stdin, files) travels base64-encoded inside JSON; output travels as raw frames.
 * - A sandbox started to make a memory snapshot (`init.snapshot.kind === 'make'`) answers `init`
 *   with one `snapshot` message instead of `hello`, and exits.
 *
 * Host→sandbox messages are trusted by the sandbox. Sandbox→host messages are untrusted input to
 * the host and are validated here by zod, with every string and number bounded: a sandbox that
 * sends anything else is killed (fail closed).
 *
 * @module
 */
import { z } from 'zod'

import { MAX_LISTED_FILES } from './protocol-limits.js'

export { PROTOCOL_VERSION } from './version.js'

// ---- host → sandbox (typed only: the sandbox imports this file for types, never zod) ----

export interface InitMessage {
  type: 'init'
  protocolVersion: number
  memoryCapBytes: number
  maxOutputBytes: number
  maxValueBytes: number
  maxFileBytes: number
  scratchDir: string
  env: Record<string, string>
  files: { path: string; data: string }[]
  mounts: { hostPath: string; sandboxPath: string; kind: 'file' | 'directory' }[]
  recursionLimit: number | null
  /** How the interpreter starts: cold, restored from a snapshot file, or to make a snapshot. */
  snapshot: SnapshotStart
  /** Run a little Python before `hello` so that V8 optimises the interpreter's hot paths. */
  warmUp: boolean
}

export type SnapshotStart =
  | { kind: 'cold' }
  /**
   * `path`: the snapshot file as the sandbox's Node sees it; the sandbox restores it only if the
   * bytes it read hash to `sha256`, recorded by the host when it stored the snapshot.
   */
  | { kind: 'restore'; path: string; sha256: string }
  /** Load Pyodide, import `preload`, and send the interpreter's memory as a `snapshot` message. */
  | { kind: 'make'; preload: string[] }

export interface RunRequest {
  type: 'run'
  id: string
  code: string
  filename: string
  timeoutMs: number
  stdin: string
}

export interface CallRequest {
  type: 'call'
  id: string
  name: string
  /** JSON text of the argument list. */
  args: string
  timeoutMs: number
}

export interface WriteFileRequest {
  type: 'writeFile'
  id: string
  path: string
  data: string
}

export interface ReadFileRequest {
  type: 'readFile'
  id: string
  path: string
}

export interface ListFilesRequest {
  type: 'listFiles'
  id: string
}

export type HostRequest =
  | RunRequest
  | CallRequest
  | WriteFileRequest
  | ReadFileRequest
  | ListFilesRequest
export type HostMessage = InitMessage | HostRequest

// ---- sandbox → host (validated) ----

const MAX_TEXT = 40 * 1024 * 1024
const text = z.string().max(MAX_TEXT)
/**
 * A memory snapshot is Pyodide's whole heap: 30 MiB (and a 128-byte header) for a fresh
 * interpreter with the preloaded modules. Its base64 must fit in one frame (MAX_FRAME_BYTES).
 */
export const MAX_SNAPSHOT_BYTES = 34 * 1024 * 1024
/** The base64 text of the largest snapshot accepted. */
export const MAX_SNAPSHOT_TEXT = Math.ceil(MAX_SNAPSHOT_BYTES / 3) * 4
/**
 * Request ids are random (128 bits, hex) and known only to the host and to the sandbox's own code,
 * never to the guest's: a reply the guest forges (it can reach fd 3) names no pending request and
 * gets the sandbox killed.
 */
const id = z.string().regex(/^[0-9a-f]{32}$/)

/** A Python exception as the user would see it. */
export const pythonErrorSchema = z.object({ type: text, message: text, traceback: text }).strict()
export type PythonError = z.infer<typeof pythonErrorSchema>

/** How the guest's code ended, as the guest saw it. The host decides the final status. */
export const outcomeSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('returned'), value: text.nullable(), valueRepr: text.nullable() })
    .strict(),
  z.object({ kind: z.literal('raised'), error: pythonErrorSchema }).strict(),
  z
    .object({ kind: z.literal('exited'), exitCode: z.int(), error: pythonErrorSchema.nullable() })
    .strict(),
  z
    .object({
      kind: z.literal('interrupted'),
      reason: z.enum(['timeout', 'output']),
      error: pythonErrorSchema.nullable(),
    })
    .strict(),
  // The interpreter is gone (os._exit, or a fatal error); the sandbox process exits after this.
  z.object({ kind: z.literal('terminated'), exitCode: z.int() }).strict(),
  z.object({ kind: z.literal('fatal'), message: text }).strict(),
])
export type Outcome = z.infer<typeof outcomeSchema>

const fileEntrySchema = z
  .object({ path: text, type: z.enum(['file', 'directory', 'other']), size: z.int().min(0) })
  .strict()
export type FileEntry = z.infer<typeof fileEntrySchema>

export const sandboxMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('hello'),
      protocolVersion: z.int(),
      pythonVersion: z.string().max(200),
      /** The Pyodide runtime's; a native sandbox has none. */
      pyodideVersion: z.string().max(200).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('startFailed'),
      message: text,
      /** Set when loading the interpreter itself failed, as opposed to setting the sandbox up. */
      loading: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('snapshot'),
      data: z.base64().max(MAX_SNAPSHOT_TEXT),
      pyodideVersion: z.string().max(200),
    })
    .strict(),
  z
    .object({
      type: z.literal('outcome'),
      id,
      outcome: outcomeSchema,
      memoryCapHit: z.boolean(),
      stdoutTruncated: z.boolean(),
      stderrTruncated: z.boolean(),
      heapBytes: z.int().min(0),
    })
    .strict(),
  z.object({ type: z.literal('file'), id, data: text }).strict(),
  z
    .object({
      type: z.literal('fileList'),
      id,
      entries: z.array(fileEntrySchema).max(MAX_LISTED_FILES),
    })
    .strict(),
  z.object({ type: z.literal('done'), id }).strict(),
  z
    .object({
      type: z.literal('failed'),
      id,
      code: z.enum(['FILE_NOT_FOUND', 'FILE_TOO_LARGE', 'INVALID_PATH', 'IO_ERROR']),
      message: z.string().max(4096),
    })
    .strict(),
])
export type SandboxMessage = z.infer<typeof sandboxMessageSchema>
