// With the realm taken: SIGUSR1 to the host test process (which would open its inspector), its
// inspector by _debugProcess, and a signal to every process it can see. The host judges by its
// inspector.
import { attempt, params, report } from './_attempt.mjs'

const { hostPid } = params

await attempt('kill host SIGUSR1', () => process.kill(hostPid, 'SIGUSR1'))
await attempt('_debugProcess host', () => process._debugProcess(hostPid))
await attempt('kill -1 SIGUSR1', () => process.kill(-1, 'SIGUSR1'))
await attempt('kill parent SIGUSR1', () => process.kill(process.ppid, 'SIGUSR1'))
await attempt('ppid', () => process.ppid)
report()
