/**
 * A host process that starts a sandbox, sets it running forever, prints the sandbox's pid, and
 * then ends as the mode says: `exit` (process.exit while the run is in flight) or `wait` (to be
 * killed from outside). Usage: node --import tsx busy-host.ts exit|wait
 */
import { Sandbox } from '../../src/index.ts'
import { findSandboxPids } from './sandbox-processes.ts'

const mode = process.argv[2]
const sandbox = await Sandbox.create({ timeoutMs: 120_000 })
const [pid] = findSandboxPids()
void sandbox.run('while True:\n    pass')
process.stdout.write(`${pid}\n`)
if (mode === 'exit') setTimeout(() => process.exit(0), 500)
