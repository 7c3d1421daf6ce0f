/**
 * The native runtime's figures: its cold one-shot (`await run('print(1)', { runtime: 'native' })`,
 * start to close, timed from the host) against a bare `python3 -S -c pass` of the same interpreter
 * in the same run, interleaved; and the CPU suite's workloads in a fresh native sandbox against
 * the same interpreter unconfined (what the confinement and pyward's driver cost).
 */
import { spawn } from 'node:child_process'
import { run, Sandbox } from '../src/index.js'
import { geomean, loadWorkload, SANDBOX_POLICY, timeInProcess, WORKLOADS } from './cpu-suite.ts'
import { findHostPython } from './host-python.ts'
import { round, type Timing, toTiming } from './stats.ts'

export interface NativeColdStart {
  sandbox: Timing
  /** `python3 -S -c pass`, the same interpreter with no sandbox, no site and no work. */
  bare: Timing
  isolation: string[]
}

export async function measureNativeColdStart(runs: number): Promise<NativeColdStart> {
  const python = findHostPython().executable
  const once = async (): Promise<{ wallMs: number; isolation: string[] }> => {
    const started = performance.now()
    const result = await run('print(1)', { runtime: 'native' })
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
  return { sandbox: toTiming(sandbox), bare: toTiming(plain), isolation }
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
  workloads: NativeWorkload[]
  geomeanRatio: number
}

/** Each workload in python3, then in a fresh native sandbox (its first run), one after another. */
export async function measureNativeCpuSuite(): Promise<NativeCpuSuite> {
  const python = findHostPython()
  const workloads: NativeWorkload[] = []
  for (const name of WORKLOADS) {
    const source = loadWorkload(name)
    const unconfined = await timeInProcess(python.executable, ['-'], source)
    const sandbox = await Sandbox.create({ ...SANDBOX_POLICY, runtime: 'native' })
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
  return { workloads, geomeanRatio: geomean(workloads.map((w) => w.sandboxS / w.python3S)) }
}
