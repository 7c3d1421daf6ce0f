/**
 * How a native sandbox process is launched: the host's CPython, run as
 * `python3 -I -S -B -X faulthandler -c <bootstrap>` (native_main.py), inside every OS layer. Its root holds the
 * interpreter (with its loader and libraries), its standard library at /usr/lib/python3.X (the
 * site-packages inside it hidden), each configured site-packages directory at
 * /opt/site-packages/<n>, the libraries their extension modules load (in one directory),
 * pyward's Python side (compiled: native-files.ts),
 * the policy's mounts (all read-only), and two size-capped tmpfs: the scratch dir and /tmp.
 *
 * Confinement is not optional here: no WebAssembly boundary holds the guest's C code (ctypes
 * writes any address of the process), so the OS layers are the only ones. Isolation "auto" is
 * treated as "strict", and "none" is refused when the policy is checked.
 *
 * @module
 */
import { existsSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { SandboxError } from '../../errors.js'
import { readElfInterpreter } from '../../isolation/binary-dependencies.js'
import type { ReadOnlyBind, SizedTmpfs } from '../../isolation/bwrap-args.js'
import { type ConfinedProgram, requireEveryLayer } from '../../isolation/launch-plan.js'
import { programRoot } from '../../isolation/program-root.js'
import {
  CGROUP_MEMORY_MARGIN_MB,
  NATIVE_ADDRESS_OVERHEAD_MB,
  NATIVE_TMP_BYTES,
  SANDBOX_CPU_SECONDS,
  SANDBOX_OPEN_FILES,
  SANDBOX_TASKS,
  SCRATCH_DIR,
} from '../../policy/limits.js'
import type { ResolvedPolicy } from '../../policy/resolve-policy.js'
import { buildInitMessage } from '../init-message.js'
import type { GuestLaunch } from '../sandbox-connection.js'
import { scanLibraries } from './library-scan.js'
import { GUEST_BOOTSTRAP, prepareNativeFiles } from './native-files.js'
import { findPythonLayout, type PythonLayout } from './python-layout.js'

const MIB = 1024 * 1024
const GUEST_DIR = '/opt/pyward'
const SITE_DIR = '/opt/site-packages'
/** The libraries the extension modules load, in one directory (see native-files.ts). */
const LIB_DIR = '/usr/lib/pyward-libs'

/**
 * glibc gives each thread that allocates an arena of its own (64 MiB of address space each): two
 * keep a threaded program within RLIMIT_AS. Read by glibc at start, before the driver replaces
 * the environment with the policy's.
 */
const NATIVE_ENV = { MALLOC_ARENA_MAX: '2' }

const REQUIRED_BY =
  'The native runtime runs the host\'s CPython only inside every OS layer (no WebAssembly boundary holds its C code), even with isolation "auto"'

export async function nativeLaunch(policy: ResolvedPolicy): Promise<GuestLaunch> {
  await requireEveryLayer(REQUIRED_BY)
  const layout = await findPythonLayout(policy.python)
  const sitePackages = policy.sitePackages ?? layout.sitePackages
  const program = await nativeProgram(layout, sitePackages, policy)
  const addressSpaceBytes = (policy.memoryMb + NATIVE_ADDRESS_OVERHEAD_MB) * MIB
  const scratchBytes = policy.memoryMb * MIB
  return {
    request: {
      mode: 'strict',
      requiredBy: REQUIRED_BY,
      refuseHostRoot: {
        why: "A native sandbox never runs as the host's root (its guest would own the root-owned files it can reach, such as its device nodes)",
        fix: 'give it an interpreter, site-packages and mounts every user can read (an interpreter through the policy\'s "python", --python or PYWARD_PYTHON: Debian\'s /usr/bin/python3 is one), or make them readable',
      },
      limits: {
        // Its files live in memory (tmpfs), charged to the cgroup like the process's own pages.
        memoryBytes:
          addressSpaceBytes + scratchBytes + NATIVE_TMP_BYTES + CGROUP_MEMORY_MARGIN_MB * MIB,
        tasks: SANDBOX_TASKS,
        openFiles: SANDBOX_OPEN_FILES,
        cpuSeconds: SANDBOX_CPU_SECONDS,
        fileSizeBytes: scratchBytes,
        addressSpaceBytes,
      },
      program: (confined) => {
        if (!confined) throw new Error('the native runtime runs confined only')
        return program
      },
    },
    innerLayers: [],
    memoryLimitBytes: addressSpaceBytes,
    maxValueBytes: policy.maxValueBytes,
    init: () =>
      buildInitMessage(
        policy,
        policy.mounts.map((mount) => mount.sandboxPath),
        { kind: 'cold' },
        false,
      ),
  }
}

async function nativeProgram(
  layout: PythonLayout,
  sitePackages: readonly string[],
  policy: ResolvedPolicy,
): Promise<ConfinedProgram> {
  const stdlibPath = `/usr/lib/python${layout.version}`
  const binds: ReadOnlyBind[] = [{ hostPath: layout.stdlib, sandboxPath: stdlibPath }]
  // The interpreter finds its standard library from where its executable is (/usr/bin): at
  // /usr/lib/python3.X, with lib-dynload inside it.
  if (layout.dynload !== null && layout.dynload !== `${layout.stdlib}/lib-dynload`) {
    binds.push({ hostPath: layout.dynload, sandboxPath: `${stdlibPath}/lib-dynload` })
  }
  // A site-packages inside the standard library (pyenv's, a venv's base) stays hidden there: only
  // the configured ones are visible, where they are bound.
  const tmpfs: SizedTmpfs[] = layout.sitePackages
    .filter((dir) => dir.startsWith(`${layout.stdlib}/`))
    .map((dir) => ({
      sandboxPath: `${stdlibPath}${dir.slice(layout.stdlib.length)}`,
      sizeBytes: 4096,
    }))
  const siteDirs = sitePackages.map((dir, index) => {
    binds.push({ hostPath: dir, sandboxPath: `${SITE_DIR}/${index}` })
    return `${SITE_DIR}/${index}`
  })
  const root = programRoot(layout.executable)
  const loader = readElfInterpreter(layout.executable)
  const scanned =
    loader === null
      ? []
      : await Promise.all(
          [layout.dynload ?? layout.stdlib, ...sitePackages].map((dir) =>
            scanLibraries(loader, dir),
          ),
        )
  const present = new Set(root.binds.map((bind) => bind.sandboxPath))
  const libraries = [...new Set(scanned.flat())].filter((path) => !present.has(path)).sort()
  const prepared = await prepareNativeFiles(layout.executable, locateGuestFiles(), libraries)
  binds.push(
    { hostPath: prepared.guestCode, sandboxPath: `${GUEST_DIR}/guest.marshal` },
    { hostPath: prepared.libDir, sandboxPath: LIB_DIR },
  )
  for (const library of prepared.apart) {
    binds.push({ hostPath: realpathSync(library), sandboxPath: library })
  }
  const runtimePaths = [...root.binds, ...binds].map((bind) => bind.sandboxPath)
  policy.mounts.forEach((mount, index) => {
    const clash = runtimePaths.find(
      (path) =>
        path === mount.sandboxPath ||
        path.startsWith(`${mount.sandboxPath}/`) ||
        mount.sandboxPath.startsWith(`${path}/`),
    )
    if (clash !== undefined) {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `mounts.${index}.sandboxPath: ${mount.sandboxPath} clashes with ${clash}, which the native interpreter needs: mount under /mnt instead`,
      )
    }
    binds.push({ hostPath: mount.hostPath, sandboxPath: mount.sandboxPath })
  })
  tmpfs.push(
    { sandboxPath: SCRATCH_DIR, sizeBytes: policy.memoryMb * MIB },
    { sandboxPath: '/tmp', sizeBytes: NATIVE_TMP_BYTES },
  )
  const libraryDirs = [
    LIB_DIR,
    ...new Set(prepared.apart.map((path) => path.slice(0, path.lastIndexOf('/')))),
  ]
  return {
    executable: layout.executable,
    args: ['-I', '-S', '-B', '-X', 'faulthandler', '-c', GUEST_BOOTSTRAP, ...siteDirs],
    binds,
    tmpfs,
    env: { ...NATIVE_ENV, LD_LIBRARY_PATH: libraryDirs.join(':') },
  }
}

interface GuestFiles {
  main: string
  driver: string
}

let located: GuestFiles | undefined

function locateGuestFiles(): GuestFiles {
  if (located) return located
  // This file is src/runtimes/native/ or dist/runtimes/native/: the sandbox runs the copies in dist.
  const dist = fileURLToPath(new URL('../../../dist/runtimes/', import.meta.url))
  const main = `${dist}native/guest/native_main.py`
  const driver = `${dist}python/driver.py`
  for (const file of [main, driver]) {
    if (!existsSync(file)) {
      throw new SandboxError(
        'RUNTIME_START_FAILED',
        `Cannot start a native sandbox: ${file} is missing. Build pyward first (npm run build).`,
      )
    }
  }
  located = { main: realpathSync(main), driver: realpathSync(driver) }
  return located
}
