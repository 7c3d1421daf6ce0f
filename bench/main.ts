/**
 * `npm run bench [-- --json] [-- --runs N] [-- --overhead]`: pyward's speed and memory figures,
 * each against its comparison measured in the same run, printed as one markdown table
 * (bench/report-table.ts) or, with `--json`, everything measured. Targets are printed next to the
 * figures, never asserted: the machines are small and noisy.
 *
 * Sections: the bare pieces (baselines.ts), the cold one-shot (cold-start.ts), the warm paths and
 * the pool (pool.ts), an idle sandbox's memory (idle-memory.ts; pooled, and from
 * Sandbox.create()), the CPU suite (cpu-suite.ts), and the native runtime's cold one-shot and CPU
 * suite (native.ts), and the HTTP service under load (service-load.ts). `--only native` runs the
 * native sections alone. `--overhead` adds what the OS confinement
 * costs at start (isolation-overhead.ts: strict against none, interleaved); it is slow, so it is
 * off by default. A section that fails is reported (stderr, the table, `failures` in the JSON)
 * and the others still run. Progress goes to stderr.
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { checkIsolation, Sandbox } from '../src/index.js'
import { measureBaselines } from './baselines.ts'
import { measureColdStart } from './cold-start.ts'
import { measureCpuSuite } from './cpu-suite.ts'
import { findHostPython } from './host-python.ts'
import { measureIdleMemory } from './idle-memory.ts'
import { measureIsolationOverhead } from './isolation-overhead.ts'
import { measureNativeColdStart, measureNativeCpuSuite } from './native.ts'
import {
  measurePoolOneShot,
  measurePoolThroughput,
  measureWarmRoundTrip,
  startIdlePool,
} from './pool.ts'
import { type Figures, nativeRows, TABLE_HEADER, tableRows } from './report-table.ts'
import { measureServiceLoad } from './service-load.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const withOverhead = args.includes('--overhead')
const onlyAt = args.indexOf('--only')
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined
if (only !== undefined && only !== 'native') {
  process.stderr.write(`bench: --only takes "native" (received ${only})\n`)
  process.exit(2)
}
/** A section outside `--only` is not measured. */
const skip = async (): Promise<null> => null
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 8
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench: --runs must be a whole number ≥ 1 (received ${args[runsAt + 1]})\n`)
  process.exit(2)
}

const failures: Record<string, string> = {}

/** Runs one section; a failure is kept and reported, and the bench goes on. */
async function step<T>(name: string, measure: () => Promise<T>): Promise<T | null> {
  process.stderr.write(`bench: ${name}…\n`)
  try {
    return await measure()
  } catch (error) {
    failures[name] = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`bench: ${name} failed: ${failures[name]}\n`)
    return null
  }
}

const layers = await checkIsolation()
if (withOverhead) {
  const missing = layers.filter((layer) => !layer.ok)
  if (missing.length > 0) {
    process.stderr.write(
      `bench: the confinement overhead needs every OS layer; missing: ${missing.map((l) => `${l.layer} (${l.detail})`).join(', ')}\n`,
    )
    process.exit(1)
  }
}

const python = findHostPython()
const pyodideLock = readFileSync(
  new URL('../node_modules/pyodide/pyodide-lock.json', import.meta.url),
  'utf8',
)
const machine = {
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  python3: python.version,
  pyodidePython: (JSON.parse(pyodideLock) as { info: { python: string } }).info.python,
}

const figures: Figures = {
  baselines: only
    ? await skip()
    : await step('baselines (node, loadPyodide, python3)', () => measureBaselines(runs)),
  coldStart: only ? await skip() : await step('cold one-shot', () => measureColdStart(runs)),
  warmRoundTrip: only
    ? await skip()
    : await step('warm round trip', () => measureWarmRoundTrip(200)),
  poolOneShot: only
    ? await skip()
    : await step('pool one-shot', () => measurePoolOneShot(Math.max(runs, 10))),
  throughput: only
    ? await skip()
    : await step('pool throughput, no warm-up (10 s)', () =>
        measurePoolThroughput(10_000, 2, false),
      ),
  throughputWarm: only
    ? await skip()
    : await step('pool throughput, warm-up (10 s)', () => measurePoolThroughput(10_000, 2, true)),
  idlePooled: only
    ? await skip()
    : await step('idle memory (pooled sandbox)', () => measureIdleMemory(startIdlePool)),
  idleCreated: only
    ? await skip()
    : await step('idle memory (Sandbox.create())', () =>
        measureIdleMemory(async () => {
          const sandbox = await Sandbox.create()
          return () => sandbox.close()
        }),
      ),
  cpuSuite: only ? await skip() : await step('CPU suite', () => measureCpuSuite()),
  nativeColdStart: await step('native cold one-shot', () =>
    measureNativeColdStart(Math.max(runs, 20)),
  ),
  nativeCpuSuite: await step('native CPU suite', () => measureNativeCpuSuite()),
  serviceLoad: only
    ? await skip()
    : await step('service load (200 requests, 16 in flight)', () => measureServiceLoad(200, 16)),
  overhead: withOverhead
    ? await step('isolation overhead', () => measureIsolationOverhead(runs))
    : null,
}
const isolation = figures.coldStart?.isolation ?? []

if (json) {
  const { overhead: isolationOverhead, ...measured } = figures
  const report = { machine, runs, layers, isolation, ...measured, isolationOverhead, failures }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} else {
  const lines = [
    `pyward bench — ${machine.platform}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, python3 ${machine.python3} (Pyodide's Python ${machine.pyodidePython}); ${runs} runs`,
    `isolation active: ${isolation.length > 0 ? isolation.join(', ') : 'unknown (the cold one-shot failed)'}`,
    '',
    ...TABLE_HEADER,
    ...(only === 'native'
      ? nativeRows(figures.nativeColdStart, figures.nativeCpuSuite)
      : tableRows(figures)),
    '',
    'CPU suite: each workload timed inside Python, best of 3 after a warm-up, in the first run of a fresh sandbox started as a pool starts them; ratio is that ÷ python3, and in brackets ÷ a plain Pyodide without pyward (pyward’s own share).',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
if (Object.keys(failures).length > 0) process.exitCode = 1
