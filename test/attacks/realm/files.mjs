// With the realm taken: reads the host's canary (by path, through /proc/<pid>/root), the
// environment of other processes, and looks around the root. The host judges by its secrets.
import { readdirSync, readFileSync } from 'node:fs'
import { attempt, params, report } from './_attempt.mjs'

const { canaryPath, canaryDir, hostPid } = params

await attempt('read canary', () => readFileSync(canaryPath))
await attempt('list canary dir', () => readdirSync(canaryDir))
await attempt('read canary via /proc/1/root', () => readFileSync(`/proc/1/root${canaryPath}`))
await attempt('read canary via /proc/self/root', () => readFileSync(`/proc/self/root${canaryPath}`))
await attempt('read /proc/1/environ', () => readFileSync('/proc/1/environ'))
await attempt('read /proc/self/environ', () => readFileSync('/proc/self/environ'))
await attempt('read host pid environ', () => readFileSync(`/proc/${hostPid}/environ`))
await attempt('read /etc/passwd', () => readFileSync('/etc/passwd'))
await attempt('list /', () => readdirSync('/'))
await attempt('list /proc', () => readdirSync('/proc'))
await attempt('list /tmp', () => readdirSync('/tmp'))
await attempt('list /sys', () => readdirSync('/sys'))
await attempt('process.env', () => process.env)
report()
