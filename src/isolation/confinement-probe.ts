/**
 * Looks inside a confined process, for `pyward doctor`: starts `node -e` under exactly the launch
 * plan a sandbox gets, lets it report what it sees of itself (its seccomp mode, pid-1's
 * environment, its root), and has it try to reach a TCP listener the host opens on 127.0.0.1 for
 * the purpose. The host judges the network by what its listener received, not by what the
 * probe says.
 *
 * @module
 */
import { type AddressInfo, createServer } from 'node:net'
import { type LaunchPlan, planLaunch } from './launch-plan.js'
import type { IsolationMode } from './layers.js'
import { spawnPlan } from './spawn-plan.js'

export interface ConfinementFindings {
  plan: Pick<LaunchPlan, 'layers' | 'missing' | 'confined'>
  /** The probe's `Seccomp:` line from its own /proc/self/status ("2" = filtered). */
  seccompMode: string | null
  /** How the probe's TCP connection to the host's listener ended (an errno code, or "connected"). */
  tcpConnect: string | null
  /** Connections the host's listener accepted: must be 0 when the network is cut. */
  listenerConnections: number
  /** What pid 1 in the probe's world has in its environment (must be empty). */
  initEnvironment: string | null
  /** The probe's root directory entries. */
  rootEntries: string[]
  /** Set when the probe did not run. */
  error: string | null
}

const PROBE_TIMEOUT_MS = 15_000
const PROBE_SCRIPT = `
const fs = require('fs'), net = require('net')
const out = { seccompMode: null, initEnvironment: null, rootEntries: [], tcpConnect: null }
try { out.seccompMode = /^Seccomp:\\s*(\\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null } catch {}
try { out.initEnvironment = fs.readFileSync('/proc/1/environ', 'utf8') } catch (e) { out.initEnvironment = 'unreadable: ' + e.code }
try { out.rootEntries = fs.readdirSync('/') } catch {}
const finish = (how) => { out.tcpConnect = how; process.stdout.write(JSON.stringify(out)); process.exit(0) }
try {
  const socket = net.connect(Number(process.argv[1]), '127.0.0.1')
  socket.on('connect', () => finish('connected'))
  socket.on('error', (e) => finish(e.code || String(e)))
} catch (e) { finish(e.code || String(e)) }
`

export async function probeConfinement(mode: IsolationMode): Promise<ConfinementFindings> {
  let listenerConnections = 0
  const server = createServer((socket) => {
    listenerConnections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const args = ['-e', PROBE_SCRIPT, String(port)]
  const plan = await planLaunch({
    mode,
    limits: {
      memoryBytes: 512 * 1024 * 1024,
      tasks: 64,
      openFiles: 256,
      cpuSeconds: 30,
      fileSizeBytes: 0,
      addressSpaceBytes: null,
    },
    program: (confined) =>
      confined
        ? { executable: process.execPath, args, binds: [], tmpfs: [], env: {} }
        : { executable: process.execPath, args, env: {}, reads: [] },
  })
  try {
    const { stdout, error } = await runProbe(plan)
    // Give a connection that got through time to be counted.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const reported = parseReport(stdout)
    return {
      plan: { layers: plan.layers, missing: plan.missing, confined: plan.confined },
      seccompMode: reported?.seccompMode ?? null,
      tcpConnect: reported?.tcpConnect ?? null,
      listenerConnections,
      initEnvironment: reported?.initEnvironment ?? null,
      rootEntries: reported?.rootEntries ?? [],
      error:
        error ??
        (reported === null ? `the probe printed no report: ${stdout.slice(0, 200)}` : null),
    }
  } finally {
    server.close()
    await plan.cgroup?.remove()
  }
}

function runProbe(plan: LaunchPlan): Promise<{ stdout: string; error: string | null }> {
  return new Promise((resolve) => {
    const child = spawnPlan(plan, ['ignore', 'pipe', 'pipe', 'ignore'])
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS)
    child.once('error', (error) => resolve({ stdout, error: error.message }))
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const failed = code === 0 ? null : `exit ${code ?? signal}: ${stderr.trim()}`
      resolve({ stdout, error: failed })
    })
  })
}

function parseReport(stdout: string): {
  seccompMode: string | null
  tcpConnect: string | null
  initEnvironment: string | null
  rootEntries: string[]
} | null {
  try {
    return JSON.parse(stdout)
  } catch {
    return null
  }
}
