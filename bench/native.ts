/**
 * The native runtime's figures: its cold one-shot (`await run('print(1)', { runtime: 'native' })`,
 * start to close, timed from the host) against a bare `python3 -S -c pass` of the same interpreter
 * in the same run, interleaved; and the CPU suite's workloads in a fresh native sandbox against
 * the same interpreter unconfined (what the confinement and pyward's driver cost).
 *
 * The interpreter is $PYWARD_PYTHON, else, on a host run as root, Debian's /usr/bin/python3 (a
 * native sandbox refuses one that other users cannot read, such as pyenv's under /root), else
 * python3 on PATH; both sides of every comparison use it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { run, Sandbox } from '../src/index.js'
import { geomean, loadWorkload, SANDBOX_POLICY, timeInProcess, WORKLOADS } from './cpu-suite.ts'
import { findHostPython } from './host-python.ts'
import { round, type Timing, toTiming } from './stats.ts'

export interface NativePython {
  executable: string
  version: string
}

export function nativePython(): NativePython {
  const chosen =
    process.env.PYWARD_PYTHON ||
    (process.getuid?.() === 0 && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null)
  if (chosen === null) return findHostPython()
  const version = execFileSync(
    chosen,
    ['-c', 'import platform; print(platform.python_version())'],
    {
      encoding: 'utf8',
    },
  ).trim()
  return { executable: chosen, version }
}

export interface NativeColdStart {
  sandbox: Timing
  /** `python3 -S -c pass`, the same interpreter with no sandbox, no site and no work. */
  bare: Timing
  isolation: string[]
  python: NativePython
}

export async function measureNativeColdStart(runs: number): Promise<NativeColdStart> {
  const interpreter = nativePython()
  const python = interpreter.executable
  const once = async (): Promise<{ wallMs: number; isolation: string[] }> => {
    const started = performance.now()
    const result = await run('print(1)', { runtime: 'native', python })
    const wallMs = performance.now() - started
    if (result.status !== 'ok') throw new Error(`print(1) ended ${result.status}`)
    return { wallMs, isolation: result.isolation }
  }
  // The first start asks the interpreter for its layout and scans its extension modules' libraries.
  const { isolation } = await once()
  await bare(python)
  const sandbox: number[] = []
  const plain: number[] = []
  for (let i = 0; i < runs; i++) {
    sandbox.push((await once()).wallMs)
    plain.push(await bare(python))
  }
  return { sandbox: toTiming(sandbox), bare: toTiming(plain), isolation, python: interpreter }
}

function bare(python: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(python, ['-S', '-c', 'pass'], { env: {}, stdio: 'ignore' })
    child.once('error', reject)
    child.once('exit', () => resolve(performance.now() - started))
  })
}

export interface NativeWorkload {
  name: string
  sandboxS: number
  python3S: number
  ratio: number
}

export interface NativeCpuSuite {
  python: NativePython
  workloads: NativeWorkload[]
  geomeanRatio: number
}

/** Each workload in python3, then in a fresh native sandbox (its first run), one after another. */
export async function measureNativeCpuSuite(): Promise<NativeCpuSuite> {
  const python = nativePython()
  const workloads: NativeWorkload[] = []
  for (const name of WORKLOADS) {
    const source = loadWorkload(name)
    const unconfined = await timeInProcess(python.executable, ['-'], source)
    const sandbox = await Sandbox.create({
      ...SANDBOX_POLICY,
      runtime: 'native',
      python: python.executable,
    })
    let seconds: number
    try {
      const result = await sandbox.run(source)
      if (result.status !== 'ok') {
        throw new Error(
          `native run of ${name} ended ${result.status}: ${result.error?.message ?? ''}`,
        )
      }
      seconds = Number(/^bench-seconds (\S+)$/m.exec(result.stderr)?.[1])
    } finally {
      await sandbox.close()
    }
    workloads.push({
      name,
      sandboxS: round(seconds, 3),
      python3S: round(unconfined.seconds, 3),
      ratio: round(seconds / unconfined.seconds, 2),
    })
  }
  return {
    python,
    workloads,
    geomeanRatio: geomean(workloads.map((w) => w.sandboxS / w.python3S)),
  }
}
