/**
 * `npm run bench [-- --json] [-- --runs N]`: pyward's speed figures, each against its comparison
 * measured in the same run. Never asserted in tests: the machines are small and noisy.
 */
import { checkIsolation } from '../src/index.js'
import { measureIsolationOverhead } from './isolation-overhead.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 8
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench: --runs must be a whole number ≥ 1 (received ${args[runsAt + 1]})\n`)
  process.exit(2)
}

const layers = await checkIsolation()
const missing = layers.filter((layer) => !layer.ok)
if (missing.length > 0) {
  process.stderr.write(
    `bench: the confinement overhead needs every OS layer; missing: ${missing.map((l) => `${l.layer} (${l.detail})`).join(', ')}\n`,
  )
  process.exit(1)
}
const overhead = await measureIsolationOverhead(runs)
const machine = `${process.platform} ${process.arch}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores`

if (json) {
  process.stdout.write(
    `${JSON.stringify({ machine, layers, isolationOverhead: overhead }, null, 2)}\n`,
  )
} else {
  const lines = [
    `pyward bench — ${machine}`,
    `layers: ${layers.map((layer) => layer.layer).join(', ')} (strict) against none`,
    '',
    '| measure | none p50 / p95 | strict p50 / p95 | strict ÷ none (p50) | n |',
    '|---|---|---|---|---|',
    ...overhead.map(
      (row) =>
        `| ${row.name} | ${row.none.p50} / ${row.none.p95} | ${row.strict.p50} / ${row.strict.p95} | ${row.ratio}× | ${row.none.n} |`,
    ),
    '',
    'Target: a confined cold start costs at most 1.10× an unconfined one.',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
