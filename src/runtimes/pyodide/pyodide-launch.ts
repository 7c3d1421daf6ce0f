/**
 * How a Pyodide sandbox process is launched: Node with the permission model and pyward's guest
 * entry, its limits, and the `init` message for where its files sit (confined or on the host).
 *
 * @module
 */
import type { LaunchPlan } from '../../isolation/launch-plan.js'
import {
  CGROUP_MEMORY_MARGIN_MB,
  processMemoryLimitMb,
  SANDBOX_CPU_SECONDS,
  SANDBOX_OPEN_FILES,
  SANDBOX_TASKS,
} from '../../policy/limits.js'
import type { ResolvedPolicy } from '../../policy/resolve-policy.js'
import type { SnapshotStart } from '../../protocol/messages.js'
import { buildInitMessage } from '../init-message.js'
import { type BreachHandler, type GuestLaunch, SandboxConnection } from '../sandbox-connection.js'
import {
  buildGuestProgram,
  detectPermissionFlag,
  type GuestCommandOptions,
  hostLayout,
  sandboxLayout,
} from './guest-command.js'
import { locateRuntimeFiles } from './runtime-files.js'

const MIB = 1024 * 1024

/**
 * How the sandbox's interpreter starts: cold; from a snapshot file on the host (the sandbox checks
 * its content against `sha256`: see snapshot-cache.ts); or cold, to make a snapshot and end.
 */
export type StartFrom =
  | { kind: 'cold' }
  | { kind: 'restore'; file: string; sha256: string }
  | { kind: 'make'; preload: string[] }

export function pyodideLaunch(
  policy: ResolvedPolicy,
  from: StartFrom = { kind: 'cold' },
  warmUp = false,
): GuestLaunch {
  const options: GuestCommandOptions = {
    files: locateRuntimeFiles(),
    mounts: policy.mounts,
    memoryMb: policy.memoryMb,
    snapshotFile: from.kind === 'restore' ? from.file : null,
    permissionFlag: detectPermissionFlag(),
  }
  // The whole process (Node, Pyodide, the Python heap, the files, the guest's JavaScript
  // buffers) is held to twice the Python heap plus the runtime's own overhead.
  const memoryLimitBytes = processMemoryLimitMb(policy.memoryMb) * MIB
  return {
    request: {
      mode: policy.isolation,
      limits: {
        memoryBytes: memoryLimitBytes + CGROUP_MEMORY_MARGIN_MB * MIB,
        tasks: SANDBOX_TASKS,
        openFiles: SANDBOX_OPEN_FILES,
        cpuSeconds: SANDBOX_CPU_SECONDS,
        // Node writes no file: whatever way to create one might be found, it stays empty.
        fileSizeBytes: 0,
        addressSpaceBytes: null,
      },
      program: (confined) => buildGuestProgram(options, confined),
    },
    innerLayers: ['node-permissions', 'webassembly'],
    memoryLimitBytes,
    maxValueBytes: policy.maxValueBytes,
    makesSnapshot: from.kind === 'make',
    init(plan: LaunchPlan) {
      const layout = plan.confined ? sandboxLayout(options).layout : hostLayout(options)
      const start: SnapshotStart =
        from.kind === 'restore'
          ? { kind: 'restore', path: layout.snapshotPath as string, sha256: from.sha256 }
          : from.kind === 'make'
            ? { kind: 'make', preload: from.preload }
            : { kind: 'cold' }
      return buildInitMessage(policy, layout.mountPaths, start, warmUp)
    },
  }
}

/**
 * Starts a sandbox that loads Pyodide cold, imports `preload` and sends its memory snapshot;
 * resolves with the snapshot once the sandbox has ended. It runs no guest code: what it sends is
 * the work of pyward's own code in a fresh, confined process with an empty environment.
 */
export async function makeSnapshot(policy: ResolvedPolicy, preload: string[]): Promise<Uint8Array> {
  const onBreach: BreachHandler = (breach, connection) =>
    void connection.kill(`the snapshot build passed a limit (${breach.kind})`)
  const { connection, snapshot } = await SandboxConnection.start(
    pyodideLaunch(policy, { kind: 'make', preload }),
    onBreach,
  )
  await connection.kill('it sent its snapshot')
  if (snapshot === null) throw new Error('the sandbox sent no snapshot')
  return snapshot
}
