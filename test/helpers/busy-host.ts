/**
 * A host process that starts a sandbox, sets it running forever,
 * prints the pid of the sandbox's interpreter, and then ends as the mode says: `exit`
 * (process.exit while the run is in flight) or `wait` (to be killed from outside). Usage:
 *   node --import tsx busy-host.ts <pyodide|native> exit|wait
 */
import { type RunResult, Sandbox } from '../../src/index.ts'
import { findInterpreterPids } from './attack-processes.ts'

const [runtime, mode] = process.argv.slice(2) as [RunResult['runtime'], string]
const sandbox = await Sandbox.create({ runtime, timeoutMs: 120_000 })
const [pid] = findInterpreterPids()
void sandbox.run('while True:\n    pass')
process.stdout.write(`${pid}\n`)
if (mode === 'exit') setTimeout(() => process.exit(0), 500)
