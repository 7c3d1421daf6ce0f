/**
 * The bench's figures as the rows of one markdown table: measure | p50 | p95 | comparison |
 * ratio | target. A section that failed (null) gets a row that says so; the error is on stderr
 * and in the JSON.
 */
import type { Baselines } from './baselines.ts'
import type { ColdStart } from './cold-start.ts'
import type { CpuSuite } from './cpu-suite.ts'
import type { IdleMemory } from './idle-memory.ts'
import type { OverheadRow } from './isolation-overhead.ts'
import type { NativeColdStart, NativeCpuSuite } from './native.ts'
import type { PoolOneShot, Throughput } from './pool.ts'
import type { ServiceLoad } from './service-load.ts'
import type { Timing } from './stats.ts'
import { round } from './stats.ts'

export interface Figures {
  baselines: Baselines | null
  coldStart: ColdStart | null
  warmRoundTrip: Timing | null
  poolOneShot: PoolOneShot | null
  throughput: Throughput | null
  throughputWarm: Throughput | null
  idlePooled: IdleMemory | null
  idleCreated: IdleMemory | null
  cpuSuite: CpuSuite | null
  nativeColdStart: NativeColdStart | null
  nativeCpuSuite: NativeCpuSuite | null
  serviceLoad: ServiceLoad | null
  /** Null when not asked for (`--overhead`) or failed. */
  overhead: OverheadRow[] | null
}

export const TABLE_HEADER = [
  '| measure | p50 | p95 | comparison | ratio | target |',
  '|---|---|---|---|---|---|',
]

type Cell = string | number

const row = (cells: readonly Cell[]) => `| ${cells.join(' | ')} |`
const failed = (measure: string, target = '') =>
  row([measure, 'failed (see stderr)', '', '', '', target])
const times = (t: Timing) => [t.p50, t.p95]
const ratio = (a: number | undefined, b: number | undefined, digits = 2) =>
  a === undefined || b === undefined ? '' : `${round(a / b, digits)}×`

/** Sandboxes the host killed before a measure could use them (each replaced by another). */
function lostNote(lost: number): string {
  return lost > 0 ? ` · ${lost} sandbox(es) killed before use, replaced` : ''
}

export function tableRows(f: Figures): string[] {
  return [
    ...startRows(f.baselines, f.coldStart),
    ...warmRows(f),
    ...idleRows('pooled sandbox', f.idlePooled, '≤ 120 MB'),
    ...idleRows('Sandbox.create()', f.idleCreated, ''),
    ...cpuRows(f.cpuSuite),
    ...nativeRows(f.nativeColdStart, f.nativeCpuSuite),
    serviceRow(f.serviceLoad),
    ...(f.overhead ?? []).map((o) =>
      row([
        `strict vs none: ${o.name}`,
        o.strict.p50,
        o.strict.p95,
        `none ${o.none.p50} / ${o.none.p95}`,
        `${o.ratio}×`,
        o.name.startsWith('cold') ? '≤ 1.10× none' : '',
      ]),
    ),
  ]
}

function startRows(baselines: Baselines | null, cold: ColdStart | null): string[] {
  const load = baselines?.loadPyodide
  const coldTarget = '≤ 400 ms and ≤ 0.2× loadPyodide'
  return [
    cold
      ? row([
          'cold one-shot `run(print(1))` (ms)',
          ...times(cold),
          load ? `cold loadPyodide ${load.p50} ms` : '',
          ratio(cold.p50, load?.p50),
          coldTarget,
        ])
      : failed('cold one-shot', coldTarget),
    ...(baselines
      ? [
          row([
            'cold `loadPyodide()` + `1+1`, fresh Node (ms)',
            ...times(baselines.loadPyodide),
            `node -e 0 ${baselines.nodeBare.p50} ms`,
            ratio(baselines.loadPyodide.p50, baselines.nodeBare.p50),
            '',
          ]),
          row(['`node -e 0` (ms)', ...times(baselines.nodeBare), '', '', '']),
          row([
            '`python3 -c pass` (ms)',
            ...times(baselines.python3),
            `python3 -S -c pass ${baselines.python3NoSite.p50} / ${baselines.python3NoSite.p95} ms`,
            ratio(baselines.python3.p50, baselines.python3NoSite.p50),
            '',
          ]),
        ]
      : [failed('baselines (node, loadPyodide, python3)')]),
  ]
}

function warmRows(f: Figures): string[] {
  const coldP50 = f.coldStart?.p50
  const pool = f.poolOneShot
  const throughput = f.throughput
  return [
    pool
      ? row([
          'pool one-shot `pool.run(print(1))`, refilled (ms)',
          ...times(pool),
          `cold one-shot ${coldP50 ?? '?'} ms${pool.waited > 0 ? ` · ${pool.waited} waited for a start` : ''}`,
          ratio(pool.p50, coldP50, 3),
          '≤ 10 ms',
        ])
      : failed('pool one-shot', '≤ 10 ms'),
    f.warmRoundTrip
      ? row([
          'warm round trip `sandbox.run(1+1)` (ms)',
          ...times(f.warmRoundTrip),
          '',
          '',
          '≤ 1 ms',
        ])
      : failed('warm round trip', '≤ 1 ms'),
    ...[throughput, f.throughputWarm].map((measured, index) =>
      measured
        ? row([
            `throughput, pool of ${measured.poolSize} (warmUp ${measured.warmUp}), ${measured.callers} callers (runs/s)`,
            measured.perSecond,
            '',
            `cold one-shots back to back ${coldP50 ? round(1000 / coldP50, 2) : '?'}/s · ${measured.waited}/${measured.completed} waited for a start (mean ${measured.meanWaitMs} ms)`,
            ratio(measured.perSecond, coldP50 ? 1000 / coldP50 : undefined),
            index === 0 ? '≥ 4/s' : '',
          ])
        : failed('throughput', index === 0 ? '≥ 4/s' : ''),
    ),
  ]
}

function idleRows(kind: string, idle: IdleMemory | null, target: string): string[] {
  if (idle === null) return [failed(`idle ${kind} RSS`, target)]
  const guestRss = Math.max(...idle.guestRssMb)
  const notes = `${lostNote(idle.lost)}${idle.settled ? '' : ' · every start killed while idle: last reading before that'}`
  return [
    row([
      `idle ${kind}: Node guest RSS (MB)`,
      guestRss,
      '',
      `bare idle node ${idle.bareNodeRssMb} MB · idle python3 ${idle.python3RssMb} MB${notes}`,
      ratio(guestRss, idle.bareNodeRssMb),
      target,
    ]),
    row([
      `idle ${kind}: process tree RSS (MB)`,
      idle.treeRssMb,
      '',
      `${idle.guests} guest process(es)`,
      ratio(idle.treeRssMb, idle.bareNodeRssMb),
      '',
    ]),
  ]
}

function cpuRows(suite: CpuSuite | null): string[] {
  const target = 'reported (expected 1.5–2×)'
  if (suite === null) return [failed('CPU suite', target)]
  return [
    ...suite.workloads.map((w) =>
      row([
        `CPU ${w.name}, first run (s)`,
        w.sandboxS,
        '',
        `python3 ${w.python3S} s · plain Pyodide ${w.pyodideS} s · sandbox 2nd run ${w.sandboxSecondRunS} s${lostNote(w.sandboxesLost.length)}`,
        `${w.ratio}× (${w.overPyodide}× Pyodide)`,
        '',
      ]),
    ),
    row([
      'CPU geometric mean',
      '',
      '',
      `python3 ${suite.python3Version}; sandbox 2nd run ${suite.geomeanSecondRunRatio}×`,
      `${suite.geomeanRatio}× (${suite.geomeanOverPyodide}× Pyodide)`,
      target,
    ]),
  ]
}

export function nativeRows(cold: NativeColdStart | null, suite: NativeCpuSuite | null): string[] {
  const rows = [
    cold
      ? row([
          'native cold one-shot `run(print(1), { runtime: native })` (ms)',
          ...times(cold.sandbox),
          `${cold.python.executable} ${cold.python.version} -S -c pass ${cold.bare.p50} / ${cold.bare.p95} ms`,
          ratio(cold.sandbox.p50, cold.bare.p50),
          '≤ 40 ms',
        ])
      : failed('native cold one-shot', '≤ 40 ms'),
  ]
  if (suite === null) return [...rows, failed('native CPU suite', '≤ 1.05×')]
  return [
    ...rows,
    ...suite.workloads.map((w) =>
      row([
        `native CPU ${w.name}, first run (s)`,
        w.sandboxS,
        '',
        `python3 ${w.python3S} s`,
        `${w.ratio}×`,
        '',
      ]),
    ),
    row([
      'native CPU geometric mean',
      '',
      '',
      'python3 unconfined',
      `${suite.geomeanRatio}×`,
      '≤ 1.05×',
    ]),
  ]
}

function serviceRow(load: ServiceLoad | null): string {
  const target = 'every request correct or 429'
  if (load === null) return failed('service load', target)
  return row([
    `service: ${load.requests} POST /v1/run, ${load.inFlight} in flight, pool of 2 (ms)`,
    ...times(load.latency),
    `${load.correct} correct, ${load.refused} refused (429), ${load.failed.length} failed, in ${round(load.seconds, 1)} s${load.failed.length > 0 ? `: ${load.failed.slice(0, 3).join('; ')}` : ''}`,
    '',
    load.failed.length === 0 ? `${target}: met` : `${target}: **not met**`,
  ])
}
