/**
 * Validates what a caller passed and fills it in: the only way code past the entry points gets a
 * policy. Host paths of mounts are checked and made real here, before anything starts.
 *
 * @module
 */
import { realpathSync, statSync } from 'node:fs'
import { basename, isAbsolute, posix } from 'node:path'
import { InvalidOptionsError, type OptionIssue } from '../errors.js'
import type { IsolationMode } from '../isolation/layers.js'
import { DEFAULT_MOUNT_ROOT, MAX_FILE_BYTES } from './limits.js'
import { parseOptions } from './option-issues.js'
import { resolveScratchPath } from './sandbox-paths.js'
import { type PolicyOptions, policySchema, type RUNTIMES } from './schema.js'

export type Runtime = (typeof RUNTIMES)[number]

/** A host path exposed read-only at `sandboxPath`. `hostPath` is absolute and has no symlinks. */
export interface ResolvedMount {
  hostPath: string
  sandboxPath: string
  kind: 'file' | 'directory'
}

/** The filled-in policy that every layer below the entry points works from. */
export interface ResolvedPolicy {
  runtime: Runtime
  isolation: IsolationMode
  timeoutMs: number
  memoryMb: number
  maxOutputBytes: number
  maxValueBytes: number
  stdin: Uint8Array
  env: Readonly<Record<string, string>>
  mounts: readonly ResolvedMount[]
  /** Initial files, as absolute sandbox paths inside the scratch dir. */
  files: readonly { path: string; data: Uint8Array }[]
  recursionLimit: number | null
  /** Native runtime: the interpreter (a real host path), or null for python3 on the host's PATH. */
  python: string | null
  /** Native runtime: real host directories for sys.path, or null for the interpreter's own. */
  sitePackages: readonly string[] | null
}

/** Validates and fills in a policy, or throws InvalidOptionsError naming every bad option. */
export function resolvePolicy(options: PolicyOptions = {}): ResolvedPolicy {
  const parsed = parseOptions(policySchema, options)
  const issues: OptionIssue[] = []
  const mounts = parsed.mounts.flatMap((mount, index) => {
    const resolved = resolveMount(mount.hostPath, mount.sandboxPath)
    if ('error' in resolved) {
      issues.push({ path: `mounts.${index}.hostPath`, message: resolved.error })
      return []
    }
    return [resolved]
  })
  issues.push(...findMountClashes(mounts))
  const python = parsed.python === undefined ? null : resolveHostPath(parsed.python, 'file')
  if (python !== null && 'error' in python) issues.push({ path: 'python', message: python.error })
  const sitePackages = parsed.sitePackages?.flatMap((dir, index) => {
    const resolved = resolveHostPath(dir, 'directory')
    if ('error' in resolved) {
      issues.push({ path: `sitePackages.${index}`, message: resolved.error })
      return []
    }
    return [resolved.path]
  })
  const files = Object.entries(parsed.files).map(([path, data]) => ({
    path: (resolveScratchPath(path) as { path: string }).path,
    data: toBytes(data),
  }))
  const filesBytes = files.reduce((sum, file) => sum + file.data.byteLength, 0)
  if (filesBytes > MAX_FILE_BYTES) {
    issues.push({
      path: 'files',
      message: `total ${filesBytes} bytes is more than ${MAX_FILE_BYTES}: pass large data as a read-only mount instead`,
    })
  }
  if (issues.length > 0) throw new InvalidOptionsError(issues)
  return {
    runtime: parsed.runtime,
    isolation: parsed.isolation,
    timeoutMs: parsed.timeoutMs,
    memoryMb: parsed.memoryMb,
    maxOutputBytes: parsed.maxOutputBytes,
    maxValueBytes: parsed.maxValueBytes,
    stdin: toBytes(parsed.stdin),
    env: { ...parsed.env },
    mounts,
    files,
    recursionLimit: parsed.recursionLimit ?? null,
    python: python === null ? null : (python as { path: string }).path,
    sitePackages: sitePackages ?? null,
  }
}

/** An absolute host path of an existing file or directory, made real. */
function resolveHostPath(
  path: string,
  kind: 'file' | 'directory',
): { path: string } | { error: string } {
  if (!isAbsolute(path)) {
    return { error: `must be an absolute host path (received ${JSON.stringify(path)})` }
  }
  try {
    const real = realpathSync(path)
    const stat = statSync(real)
    if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) {
      return { error: `${JSON.stringify(path)} is not a ${kind}` }
    }
    return { path: real }
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause)
    return { error: `cannot use ${JSON.stringify(path)} (${reason}): give an existing ${kind}` }
  }
}

/** Strings are passed as UTF-8. */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data
}

function resolveMount(hostPath: string, sandboxPath?: string): ResolvedMount | { error: string } {
  if (!isAbsolute(hostPath)) {
    return { error: `must be an absolute host path (received ${JSON.stringify(hostPath)})` }
  }
  let real: string
  let kind: ResolvedMount['kind']
  try {
    real = realpathSync(hostPath)
    const stat = statSync(real)
    if (!stat.isFile() && !stat.isDirectory()) {
      return { error: `${JSON.stringify(hostPath)} is neither a file nor a directory` }
    }
    kind = stat.isFile() ? 'file' : 'directory'
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause)
    return {
      error: `cannot use ${JSON.stringify(hostPath)} (${reason}): give an existing file or directory`,
    }
  }
  const base = basename(real) || 'root'
  return { hostPath: real, sandboxPath: sandboxPath ?? posix.join(DEFAULT_MOUNT_ROOT, base), kind }
}

/** Two mounts may not share a sandbox path or sit one inside the other. */
function findMountClashes(mounts: readonly ResolvedMount[]): OptionIssue[] {
  const issues: OptionIssue[] = []
  mounts.forEach((mount, index) => {
    const other = mounts.findIndex(
      (candidate, j) =>
        j < index &&
        (candidate.sandboxPath === mount.sandboxPath ||
          candidate.sandboxPath.startsWith(`${mount.sandboxPath}/`) ||
          mount.sandboxPath.startsWith(`${candidate.sandboxPath}/`)),
    )
    if (other >= 0) {
      issues.push({
        path: `mounts.${index}.sandboxPath`,
        message: `${mount.sandboxPath} overlaps mounts.${other} (${mounts[other]?.sandboxPath}): give each mount its own sandboxPath`,
      })
    }
  })
  return issues
}
