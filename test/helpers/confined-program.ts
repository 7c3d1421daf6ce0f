/**
 * Runs a plain program inside the OS confinement of a sandbox, and nothing else of pyward: the
 * launch plan of isolation "strict" (bubblewrap's namespaces and empty root, the seccomp program,
 * a cgroup, rlimits) around any host executable, with no Pyodide, no Node permission flags and no
 * realm hardening. For tests that grant the attacker the whole process and show what the OS
 * layers alone still refuse. Started as every sandbox is, by spawnPlan.
 */
import type { ReadOnlyBind } from '../../src/isolation/bwrap-args.ts'
import { planLaunch, type SandboxLimits } from '../../src/isolation/launch-plan.ts'
import { spawnPlan, unwrapBwrapStatus } from '../../src/isolation/spawn-plan.ts'
import { SANDBOX_OPEN_FILES, SANDBOX_TASKS, SANDBOX_TMP_BYTES } from '../../src/policy/limits.ts'

export interface ConfinedProgramOptions {
  /** A host executable; it, its loader and its libraries are bound into the empty root. */
  executable: string
  args: readonly string[]
  /** Host paths bound read-only (the program's own files). */
  binds: readonly ReadOnlyBind[]
  /** @default a sandbox's: 512 MiB, 64 tasks, 256 open files (past the inherited), 60 CPU s */
  limits?: Partial<SandboxLimits>
  /** Past this the program is killed (SIGKILL). */
  timeoutMs: number
}

export interface ConfinedExit {
  /** The first MiB of each. */
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
  /** Whether the cgroup's OOM killer ended a process of the program. */
  oomKilled: boolean
  timedOut: boolean
  /** Whether its cgroup could be removed: no process of the program outlived it. */
  cgroupRemoved: boolean
}

const OUTPUT_BYTES = 1024 * 1024

export async function runConfinedProgram(options: ConfinedProgramOptions): Promise<ConfinedExit> {
  const plan = await planLaunch({
    mode: 'strict',
    limits: {
      memoryBytes: 512 * 2 ** 20,
      tasks: SANDBOX_TASKS,
      openFiles: SANDBOX_OPEN_FILES,
      cpuSeconds: 60,
      fileSizeBytes: 0,
      addressSpaceBytes: null,
      ...options.limits,
    },
    program: (confined) => {
      if (!confined) throw new Error('isolation "strict" always confines')
      return {
        executable: options.executable,
        args: options.args,
        binds: options.binds,
        tmpfs: [{ sandboxPath: '/tmp', sizeBytes: SANDBOX_TMP_BYTES }],
        env: {},
      }
    },
  })
  const child = spawnPlan(plan, ['ignore', 'pipe', 'pipe', 'ignore'])

  const output = { stdout: '', stderr: '' }
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]?.on('data', (chunk: Buffer) => {
      if (output[name].length < OUTPUT_BYTES) output[name] += chunk.toString('utf8')
    })
  }
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]))
  })
  clearTimeout(timer)
  const oomKilled = plan.cgroup?.oomKilled() ?? false
  await plan.cgroup?.remove()
  const cgroupRemoved = plan.cgroup?.removeSync() ?? true
  return { ...output, ...unwrapBwrapStatus(code, signal), oomKilled, timedOut, cgroupRemoved }
}
