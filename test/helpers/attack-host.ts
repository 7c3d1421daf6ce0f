/**
 * A host process of its own for attacks that need a host set
 * up in a way a test process cannot set itself up (e.g. with file descriptors open without
 * close-on-exec). Usage:
 *   node --import tsx attack-host.ts <pyodide|native> <attack.py> <params JSON>
 * Prints the RunResult as JSON.
 */
import { readFileSync } from 'node:fs'
import { type RunResult, run } from '../../src/index.ts'

const [runtime, attack, params] = process.argv.slice(2) as [RunResult['runtime'], string, string]
const attacks = new URL('../attacks/', import.meta.url)
const result = await run(readFileSync(new URL(attack, attacks), 'utf8'), {
  runtime,
  filename: attack,
  timeoutMs: 20_000,
  files: {
    'params.json': params,
    '_attack.py': readFileSync(new URL('_attack.py', attacks), 'utf8'),
  },
})
process.stdout.write(JSON.stringify(result))
