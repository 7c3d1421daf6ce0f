/**
 * How one sandbox process is started, decided from the isolation mode and what the host supports:
 * the command line (launcher → bubblewrap → the runtime's program), the seccomp program to hand
 * over, the sandbox's cgroup, and the OS layers that are really active.
 *
 * A runtime describes its program twice: as it runs confined (sandbox paths, read-only binds) and
 * unconfined (host paths). Which one starts is decided here and nowhere else, and it never falls
 * back silently: `strict` refuses with every missing layer and its fix, `auto` reports the layers
 * it got.
 *
 * @module
 */
import { SandboxError } from '../errors.js'
import {
  type BwrapCommand,
  buildBwrapArgs,
  type ReadOnlyBind,
  type SizedTmpfs,
} from './bwrap-args.js'
import { CgroupLeaf, type CgroupLimits } from './cgroup-leaf.js'
import type { CgroupParent } from './cgroup-parent.js'
import { detectHostSupport, type HostSupport } from './host-support.js'
import { buildLauncher, findLauncherShell, type LauncherLimits, SECCOMP_FD } from './launcher.js'
import type { IsolationMode, LayerStatus, OsLayer } from './layers.js'
import { programRoot } from './program-root.js'
import { nextSandboxUser, readableBy, type SandboxUser } from './sandbox-user.js'
import { compileSeccompProgram } from './seccomp/compile.js'
import { findInheritableFds, placeholderCount } from './spawn-plan.js'

/** The runtime's program inside the confinement. */
export interface ConfinedProgram {
  /** A host executable: it, its loader and its libraries are bound into the root. */
  executable: string
  args: readonly string[]
  binds: readonly ReadOnlyBind[]
  tmpfs: readonly SizedTmpfs[]
  env: Readonly<Record<string, string>>
}

/** The same program run directly on the host. */
export interface HostProgram {
  executable: string
  args: readonly string[]
  /** Node's own settings for this process; nothing of the host's environment. */
  env: Readonly<Record<string, string>>
  /** Host paths the program reads (besides the executable): an unprivileged user must reach them. */
  reads: readonly string[]
}

export interface SandboxLimits extends CgroupLimits, LauncherLimits {}

export interface LaunchPlan {
  command: string
  args: string[]
  /** The environment of the launched process itself (empty when bubblewrap clears it anyway). */
  env: Record<string, string>
  /** The compiled seccomp program, to be written to the launched process's fd 4. */
  seccompProgram: Buffer | null
  cgroup: CgroupLeaf | null
  /** Whether the program runs inside bubblewrap (it is then the launched process's grandchild). */
  confined: boolean
  layers: OsLayer[]
  /** Layers this host could not provide (in `auto`), with why. */
  missing: LayerStatus[]
  /** Whether the launcher waits on fd 5 until the host has put it into the cgroup. */
  waitsForHost: boolean
  /** The unprivileged user the sandbox runs as on a host run as root, or null for the host's user. */
  runAs: SandboxUser | null
  /**
   * The host's fds a child would inherit (no close-on-exec), read once here so that the
   * placeholders spawnPlan makes and the open-file allowance below agree; null where /proc cannot tell.
   */
  inheritableFds: number[] | null
}

export interface LaunchRequest {
  mode: IsolationMode
  limits: SandboxLimits
  /** The program, by whether it runs confined. */
  program(confined: boolean): ConfinedProgram | HostProgram
  /**
   * Set when the runtime itself demands every layer, whatever the mode (which is then "strict"):
   * who demands it and why, for the error that refuses a host lacking one.
   */
  requiredBy?: string
  /**
   * Set when the program must never run as the host's root (on a host run as root, when no uid of
   * its own can read what it needs): why, for the error that refuses it. A sandbox whose uid maps
   * to host root owns every root-owned file it can reach (its device nodes, its inherited
   * /dev/null): measured, a native guest chmod-ed the host's /dev/null.
   */
  refuseHostRoot?: { why: string; fix: string }
}

export async function planLaunch(request: LaunchRequest): Promise<LaunchPlan> {
  const support: HostSupport | null = request.mode === 'none' ? null : await detectHostSupport()
  const missing = support?.layers.filter((status) => !status.ok) ?? []
  if (request.mode === 'strict' && missing.length > 0) {
    throw isolationUnavailable(missing, request.requiredBy)
  }

  const layers: OsLayer[] = []
  let cgroup: CgroupLeaf | null = null
  if (support?.cgroup) {
    sweepOnce(support.cgroup)
    try {
      cgroup = CgroupLeaf.create(support.cgroup, request.limits)
      layers.push('cgroup')
    } catch (error) {
      const status: LayerStatus = {
        layer: 'cgroup',
        ok: false,
        detail: `creating the sandbox's cgroup failed: ${(error as Error).message}`,
        fix: 'see pyward doctor',
      }
      if (request.mode === 'strict') throw isolationUnavailable([status], request.requiredBy)
      missing.push(status)
    }
  }
  try {
    return finishPlan(request, support, cgroup, layers, missing)
  } catch (error) {
    cgroup?.removeSync()
    throw error
  }
}

function finishPlan(
  request: LaunchRequest,
  support: HostSupport | null,
  leaf: CgroupLeaf | null,
  layers: OsLayer[],
  missing: LayerStatus[],
): LaunchPlan {
  const confined = support?.bwrap != null
  let cgroup = leaf
  let command: string
  let args: string[]
  let env: Record<string, string>
  let seccompProgram: Buffer | null = null
  let runAs: SandboxUser | null = null
  if (confined && support?.bwrap) {
    const program = request.program(true) as ConfinedProgram
    const root = programRoot(program.executable)
    const seccomp = support.seccompArch
    const binds = [...root.binds, ...program.binds]
    // On a root host, the sandbox runs as a host uid of its own whenever such a user can read
    // what is bound in (bubblewrap binds as the user it runs as); otherwise as root, /proc covered.
    let unreadable: string | undefined
    if (support.unprivilegedBwrap) {
      const user = nextSandboxUser()
      unreadable = binds.find((bind) => !readableBy(bind.hostPath, user))?.hostPath
      if (unreadable === undefined) runAs = user
    }
    if (runAs === null && process.getuid?.() === 0 && request.refuseHostRoot !== undefined) {
      const why = support.unprivilegedBwrap
        ? `${unreadable} is not readable by other users`
        : 'bubblewrap cannot run as an unprivileged user here'
      throw new SandboxError(
        'ISOLATION_UNAVAILABLE',
        `${request.refuseHostRoot.why}: on this host, run as root, it would run as root, because ${why}. Fix: ${request.refuseHostRoot.fix}, or run pyward as a user other than root. \`pyward doctor\` shows which.`,
      )
    }
    const bwrap: BwrapCommand = {
      root: { binds, tmpfs: program.tmpfs },
      program: root.executable,
      args: program.args,
      env: {
        ...program.env,
        LD_LIBRARY_PATH: [root.libraryPath, program.env.LD_LIBRARY_PATH]
          .filter((path) => path !== undefined && path !== '')
          .join(':'),
      },
      seccompFd: seccomp === null ? null : SECCOMP_FD,
    }
    command = support.bwrap
    args = buildBwrapArgs(bwrap)
    // bwrap's pid-1 helper keeps the environment bwrap started with: give it none.
    env = {}
    layers.unshift('namespaces')
    if (seccomp !== null) {
      seccompProgram = compileSeccompProgram(seccomp)
      layers.splice(1, 0, 'seccomp')
    }
  } else {
    const program = request.program(false) as HostProgram
    command = program.executable
    args = [...program.args]
    env = { ...program.env }
    // Unconfined, the process is all there is between the guest and the host's files: on a root
    // host it runs as a uid of its own whenever that uid can read what it needs.
    const needs = [program.executable, ...program.reads]
    const user = nextSandboxUser()
    if (process.getuid?.() === 0 && needs.every((path) => readableBy(path, user))) runAs = user
  }
  const inheritableFds = findInheritableFds()
  const shell = support?.shell ?? findLauncherShell()
  if (shell !== null) {
    // Inherited host fds are held open as /dev/null in the sandbox (see spawn-plan.ts), and a
    // POSIX shell cannot close fds above 9: those below the limit must not eat the allowance.
    const limits = {
      ...request.limits,
      openFiles: request.limits.openFiles + placeholderCount(inheritableFds),
    }
    const launcher = buildLauncher(shell, cgroup !== null, limits, command, args)
    command = launcher.command
    args = launcher.args
    layers.push('rlimits')
  } else if (cgroup !== null) {
    // Only a waiting launcher lets the host put the sandbox in its cgroup before it starts.
    // (strict never gets here: a host without /bin/sh lacks rlimits, and strict refused above.)
    cgroup.removeSync()
    cgroup = null
    layers.splice(layers.indexOf('cgroup'), 1)
    missing.push({
      layer: 'cgroup',
      ok: false,
      detail: 'a sandbox joins its cgroup through /bin/sh, which is missing',
      fix: 'provide /bin/sh',
    })
  }
  return {
    command,
    args,
    env,
    seccompProgram,
    cgroup,
    confined,
    layers,
    missing,
    waitsForHost: cgroup !== null,
    runAs,
    inheritableFds,
  }
}

/**
 * Throws ISOLATION_UNAVAILABLE, worded for `requiredBy`, unless this host has every OS layer: for
 * a runtime that demands them, before it spends time preparing a program that could not start.
 */
export async function requireEveryLayer(requiredBy: string): Promise<void> {
  const missing = (await detectHostSupport()).layers.filter((status) => !status.ok)
  if (missing.length > 0) throw isolationUnavailable(missing, requiredBy)
}

let swept = false

/** Once per host process: the leaves of hosts that were killed before they could clean up. */
function sweepOnce(parent: CgroupParent): void {
  if (swept) return
  swept = true
  CgroupLeaf.sweepStale(parent)
}

function isolationUnavailable(
  missing: readonly LayerStatus[],
  requiredBy: string | undefined,
): SandboxError {
  const lines = missing.map((status) => `- ${status.layer}: ${status.detail}. Fix: ${status.fix}.`)
  if (requiredBy !== undefined) {
    return new SandboxError(
      'ISOLATION_UNAVAILABLE',
      `${requiredBy}, and this host lacks ${missing.length === 1 ? 'one' : missing.length}:\n${lines.join('\n')}\nRun \`pyward doctor\` for a full report.`,
    )
  }
  return new SandboxError(
    'ISOLATION_UNAVAILABLE',
    `isolation "strict" needs every OS layer, and this host lacks ${missing.length === 1 ? 'one' : missing.length}:\n${lines.join('\n')}\nRun \`pyward doctor\` for a full report, or choose isolation "auto" to run with the layers this host has.`,
  )
}
