/**
 * Which OS layers this host can put around a sandbox, found by trying them: bubblewrap is looked
 * up on PATH and then actually started with the real namespaces, root and seccomp program around
 * the launcher's shell (or `node -e 0` without one). A layer is reported missing with the reason
 * and the fix, never assumed; a seccomp program the kernel takes but that Node could not run under
 * would show as a failed sandbox start (`pyward doctor` starts Node and a sandbox too).
 *
 * Probed once per host process (about 30 ms here: the probes run at once) and remembered.
 *
 * @module
 */
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'
import { type BwrapCommand, buildBwrapArgs } from './bwrap-args.js'
import { type CgroupParent, findCgroupParent } from './cgroup-parent.js'
import { findLauncherShell } from './launcher.js'
import type { LayerStatus, OsLayer } from './layers.js'
import { programRoot } from './program-root.js'
import { nextSandboxUser, type SandboxUser } from './sandbox-user.js'
import { compileSeccompProgram, type SeccompArch, seccompArchFor } from './seccomp/compile.js'

export interface HostSupport {
  bwrap: string | null
  /** On a host run as root: whether an unprivileged user can start bwrap (sandboxes then get uids of their own). */
  unprivilegedBwrap: boolean
  seccompArch: SeccompArch | null
  cgroup: CgroupParent | null
  shell: string | null
  layers: LayerStatus[]
}

const MIN_BWRAP = [0, 8, 0] as const
const PROBE_TIMEOUT_MS = 15_000

const FIXES = {
  bwrapMissing:
    'install bubblewrap 0.8 or newer (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) and put bwrap on PATH',
  bwrapOld: 'upgrade bubblewrap to 0.8 or newer (for --disable-userns and sized tmpfs)',
  userns:
    'allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0; on Ubuntu 23.10+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile granting userns to bwrap; in Docker, a seccomp profile that allows unshare/clone/mount): see docs/isolation.md',
  seccompArch: 'pyward builds its seccomp program for x86_64 and aarch64 only',
  seccompKernel:
    'use a kernel with seccomp filters (CONFIG_SECCOMP_FILTER) and bubblewrap that accepts --seccomp',
  needsBwrap: 'pyward applies its seccomp program through bubblewrap: enable the namespaces layer',
  cgroup:
    "let pyward create cgroups: on cgroup v1, run it as a user who can write the memory and pids hierarchies; on cgroup v2, set PYWARD_CGROUP_PARENT to a writable directory whose cgroup.subtree_control enables memory and pids (e.g. a systemd unit or scope with Delegate=yes). Without it the host watches each sandbox's resident memory instead",
  shell: 'provide /bin/sh, which pyward uses to set resource limits before a sandbox starts',
} as const

let detection: Promise<HostSupport> | null = null

/** What this host supports; probed on first use. */
export function detectHostSupport(): Promise<HostSupport> {
  detection ??= probeHost()
  return detection
}

async function probeHost(): Promise<HostSupport> {
  const shell = findLauncherShell()
  const cgroupLookup = findCgroupParent()
  const cgroup = cgroupLookup.ok ? cgroupLookup.parent : null
  const seccompArch = seccompArchFor(process.arch)
  const linux = process.platform === 'linux'
  const found = linux ? findOnPath('bwrap') : null

  let namespaces: LayerStatus
  let seccomp: LayerStatus
  let bwrap: string | null = null
  let activeArch: SeccompArch | null = null
  let unprivilegedBwrap = false
  if (!linux) {
    namespaces = missing(
      'namespaces',
      `not available on ${process.platform}`,
      'run pyward on Linux',
    )
    seccomp = missing('seccomp', `not available on ${process.platform}`, 'run pyward on Linux')
  } else if (found === null) {
    namespaces = missing('namespaces', 'bwrap was not found on PATH', FIXES.bwrapMissing)
    seccomp = missing('seccomp', 'needs bubblewrap, which was not found', FIXES.needsBwrap)
  } else {
    const version = await bwrapVersion(found)
    if (version === null || compareVersions(version, MIN_BWRAP) < 0) {
      const what = version === null ? 'an unknown version' : version.join('.')
      namespaces = missing('namespaces', `${found} is ${what}`, FIXES.bwrapOld)
      seccomp = missing('seccomp', 'needs bubblewrap 0.8 or newer', FIXES.needsBwrap)
    } else {
      // The three probes run at once (a sandbox's first start waits for them): plain namespaces,
      // an unprivileged uid on a root host, and the seccomp program. The later ones count only if
      // the plain one worked.
      const probeUser = process.getuid?.() === 0 ? nextSandboxUser() : null
      const [plain, dropped, filtered] = await Promise.all([
        probeBwrap(found, null),
        probeUser === null ? null : probeBwrap(found, null, probeUser),
        seccompArch === null ? null : probeBwrap(found, seccompArch),
      ])
      if (!plain.ok) {
        namespaces = missing('namespaces', `${found} failed: ${plain.message}`, FIXES.userns)
        seccomp = missing('seccomp', 'needs working bubblewrap', FIXES.needsBwrap)
      } else {
        bwrap = found
        let who = `as the host's user (uid ${process.getuid?.()})`
        if (probeUser !== null && dropped !== null) {
          if (dropped.ok) {
            unprivilegedBwrap = true
            who = 'each as a host uid of its own, not root'
          } else {
            who = `as host root: an unprivileged uid (${probeUser.uid}) could not start bwrap (${dropped.message})`
          }
        }
        namespaces = present('namespaces', `${found} ${version.join('.')}, sandboxes run ${who}`)
        if (seccompArch === null || filtered === null) {
          seccomp = missing('seccomp', `no seccomp program for ${process.arch}`, FIXES.seccompArch)
        } else {
          seccomp = filtered.ok
            ? present('seccomp', `default-deny allowlist for ${seccompArch}`)
            : missing(
                'seccomp',
                `the filter could not be applied: ${filtered.message}`,
                FIXES.seccompKernel,
              )
          if (filtered.ok) activeArch = seccompArch
        }
      }
    }
  }
  return {
    bwrap,
    unprivilegedBwrap,
    seccompArch: activeArch,
    cgroup,
    shell,
    layers: [
      namespaces,
      seccomp,
      cgroupLookup.ok
        ? present('cgroup', describeCgroup(cgroupLookup.parent))
        : missing('cgroup', cgroupLookup.reason, FIXES.cgroup),
      shell === null
        ? missing('rlimits', '/bin/sh is missing', FIXES.shell)
        : present('rlimits', 'CPU seconds, open files, no core dumps, no file growth'),
    ],
  }
}

/**
 * Starts a program confined as a sandbox would be, with the same namespaces, root of its own
 * binaries and seccomp program; resolves with how that went. The program is the launcher's shell
 * running `exit 0` where there is one (a confined start of it costs ~20 ms, Node's ~60 ms, and a
 * host's first sandbox waits for these probes), else `node -e 0`.
 */
function probeBwrap(
  bwrap: string,
  arch: SeccompArch | null,
  user: SandboxUser | null = null,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const shell = findLauncherShell()
  const probe = programRoot(shell ?? process.execPath)
  const command: BwrapCommand = {
    root: { binds: probe.binds, tmpfs: [] },
    program: probe.executable,
    args: shell === null ? ['-e', '0'] : ['-c', 'exit 0'],
    env: { LD_LIBRARY_PATH: probe.libraryPath },
    seccompFd: arch === null ? null : 3,
  }
  return new Promise((resolve) => {
    const child = spawn(bwrap, buildBwrapArgs(command), {
      stdio: ['ignore', 'ignore', 'pipe', arch === null ? 'ignore' : 'pipe'],
      env: {},
      cwd: '/',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000)
    })
    if (arch !== null) (child.stdio[3] as NodeJS.WritableStream).end(compileSeccompProgram(arch))
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS)
    child.once('error', (error) => resolve({ ok: false, message: error.message }))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ ok: true })
      else resolve({ ok: false, message: stderr.trim() || `exit ${code ?? signal}` })
    })
  })
}

function bwrapVersion(bwrap: string): Promise<number[] | null> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], env: {} })
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    child.once('error', () => resolve(null))
    child.once('exit', () => {
      const match = /(\d+)\.(\d+)\.(\d+)/.exec(out)
      resolve(match ? match.slice(1).map(Number) : null)
    })
  })
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** The first executable `name` on the host's PATH. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(':')) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return null
}

function describeCgroup(parent: CgroupParent): string {
  return parent.version === 1
    ? `cgroup v1: a leaf per sandbox under ${parent.memory} and ${parent.pids}`
    : `cgroup v2: a leaf per sandbox under ${parent.dir}`
}

function present(layer: OsLayer, detail: string): LayerStatus {
  return { layer, ok: true, detail, fix: null }
}

function missing(layer: OsLayer, detail: string, fix: string): LayerStatus {
  return { layer, ok: false, detail, fix }
}
