/**
 * Pure-Python speed: classic CPU workloads (bench/workloads/*.py) run with the same source in a
 * pyward sandbox, in the host's `python3`, and in a plain Pyodide with nothing of pyward around it
 * (bench/run-pyodide.mjs). Each is timed inside Python (best of 3 after one warm-up,
 * `time.perf_counter`), so no interpreter's start-up counts. sandbox ÷ python3 is what a user
 * feels; sandbox ÷ plain Pyodide is pyward's own share of it (the interpreter being equal), which
 * the output-heavy workload is there to expose too.
 *
 * The sandbox figure is the first run in a fresh sandbox started as the pool starts them (warmed
 * up), what every pooled run gets; the same source is then run again in that sandbox, to show
 * whether the first run is slower for a reason of its own (V8 not yet done optimising the
 * interpreter's WebAssembly).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { RunResult, Sandbox } from '../src/index.js'
import { withFreshSandbox } from './fresh-sandbox.ts'
import { findHostPython } from './host-python.ts'
import { round } from './stats.ts'

/** In the order printed; each file defines `work()`, sized for ~0.2–0.5 s in native python3. */
export const WORKLOADS = [
  'fib',
  'spectral-norm',
  'nbody',
  'dict-string',
  'json-roundtrip',
  'regex',
  'print-lines',
] as const

/** Appended to each workload: the timing, reported on stderr alike by every interpreter. */
const HARNESS = `
import sys as _bench_sys, time as _bench_time

def _bench_best(work, repeats=3):
    work()  # warm-up: first-call costs (imports, caches) are not what is compared
    best = float("inf")
    for _ in range(repeats):
        started = _bench_time.perf_counter()
        work()
        best = min(best, _bench_time.perf_counter() - started)
    return best

print(f"bench-seconds {_bench_best(work)!r}", file=_bench_sys.stderr)
`
const SECONDS = /^bench-seconds (\S+)$/m
const RUN_PYODIDE = fileURLToPath(new URL('./run-pyodide.mjs', import.meta.url))

/** Generous: the suite must measure, not trip a limit (print-lines writes ~8 MB in all). */
export const SANDBOX_POLICY = { timeoutMs: 60_000, memoryMb: 256, maxOutputBytes: 64 * 1024 * 1024 }

export interface WorkloadResult {
  name: string
  /** Best repetition in the sandbox's first run, in seconds. */
  sandboxS: number
  /** Best repetition in a second run of the same source in the same sandbox, in seconds. */
  sandboxSecondRunS: number
  /** Best repetition in the host's python3, in seconds. */
  python3S: number
  /** Best repetition in a plain Pyodide (no pyward), in seconds. */
  pyodideS: number
  /** sandboxS / python3S. */
  ratio: number
  /** sandboxS / pyodideS: what pyward adds to the interpreter's own speed. */
  overPyodide: number
  /** Stdout each produced over the 4 repetitions (a check that nothing was lost). */
  stdoutBytes: { sandbox: number; python3: number; pyodide: number }
  /** Sandboxes killed before their first run, and why (each replaced by a fresh one). */
  sandboxesLost: string[]
}

export interface CpuSuite {
  python3Version: string
  workloads: WorkloadResult[]
  /** Geometric mean of sandbox ÷ python3. */
  geomeanRatio: number
  /** Geometric mean of sandbox ÷ plain Pyodide. */
  geomeanOverPyodide: number
  /** Geometric mean of the sandbox's second run ÷ python3. */
  geomeanSecondRunRatio: number
}

export function loadWorkload(name: string): string {
  return `${readFileSync(new URL(`./workloads/${name}.py`, import.meta.url), 'utf8')}\n${HARNESS}`
}

interface SandboxTiming {
  seconds: number
  secondRunSeconds: number
  stdoutBytes: number
  lost: string[]
}

async function timeInSandbox(source: string): Promise<SandboxTiming> {
  const { value, lost } = await withFreshSandbox(SANDBOX_POLICY, async (sandbox) => {
    const first = await runOk(sandbox, source)
    const second = await runOk(sandbox, source)
    return {
      seconds: parseSeconds(first.stderr),
      secondRunSeconds: parseSeconds(second.stderr),
      stdoutBytes: Buffer.byteLength(first.stdout),
    }
  })
  return { ...value, lost }
}

async function runOk(sandbox: Sandbox, source: string): Promise<RunResult> {
  const result = await sandbox.run(source)
  if (result.status !== 'ok') {
    throw new Error(`sandbox run ended ${result.status}: ${result.error?.message ?? result.stderr}`)
  }
  return result
}

/** Times the source in a child process (python3, or Node with a plain Pyodide) reading stdin. */
export function timeInProcess(
  executable: string,
  args: readonly string[],
  source: string,
): Promise<{ seconds: number; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env: {}, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdoutBytes = 0
    let stderr = ''
    // Read like pyward reads a sandbox's stdout: the bytes cross a pipe to this process.
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.byteLength
    })
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text
    })
    child.once('error', reject)
    child.once('close', (code: number | null) => {
      if (code !== 0) reject(new Error(`${executable} exited ${code}: ${stderr.slice(-2_000)}`))
      else resolve({ seconds: parseSeconds(stderr), stdoutBytes })
    })
    child.stdin.end(source)
  })
}

function parseSeconds(stderr: string): number {
  const match = SECONDS.exec(stderr)
  if (!match) throw new Error(`no timing in the workload's stderr: ${stderr.slice(0, 500)}`)
  return Number(match[1])
}

/** Every workload in python3, then plain Pyodide, then a fresh sandbox (twice), one after another. */
export async function measureCpuSuite(names: readonly string[] = WORKLOADS): Promise<CpuSuite> {
  const python = findHostPython()
  const workloads: WorkloadResult[] = []
  for (const name of names) {
    const source = loadWorkload(name)
    const native = await timeInProcess(python.executable, ['-'], source)
    const plain = await timeInProcess(process.execPath, [RUN_PYODIDE], source)
    const boxed = await timeInSandbox(source)
    workloads.push({
      name,
      sandboxS: round(boxed.seconds, 3),
      sandboxSecondRunS: round(boxed.secondRunSeconds, 3),
      python3S: round(native.seconds, 3),
      pyodideS: round(plain.seconds, 3),
      ratio: round(boxed.seconds / native.seconds, 2),
      overPyodide: round(boxed.seconds / plain.seconds, 2),
      stdoutBytes: {
        sandbox: boxed.stdoutBytes,
        python3: native.stdoutBytes,
        pyodide: plain.stdoutBytes,
      },
      sandboxesLost: boxed.lost,
    })
  }
  return {
    python3Version: python.version,
    workloads,
    geomeanRatio: geomean(workloads.map((w) => w.sandboxS / w.python3S)),
    geomeanOverPyodide: geomean(workloads.map((w) => w.sandboxS / w.pyodideS)),
    geomeanSecondRunRatio: geomean(workloads.map((w) => w.sandboxSecondRunS / w.python3S)),
  }
}

export function geomean(ratios: readonly number[]): number {
  return round(Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length), 2)
}
