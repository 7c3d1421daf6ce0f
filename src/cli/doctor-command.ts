/**
 * `pyward doctor [--json]`: what isolation this host gives a sandbox, found by trying: the OS
 * layers are probed, a process confined exactly as a sandbox looks at itself and tries to reach a
 * listener on the host's loopback, and a real sandbox starts. Each check prints ok or missing,
 * with the fix. Exits 0 when every check is ok, 1 otherwise.
 *
 * @module
 */
import { Command, Option } from 'commander'
import { diagnoseIsolation, type IsolationDiagnosis } from '../api/isolation.js'
import { reportFailure } from './report.js'

export interface DoctorCheck {
  name: string
  ok: boolean
  detail: string
  fix: string | null
  /** A check of something a host may go without (the native runtime): it does not fail doctor. */
  optional?: boolean
}

/** Host directories that must not appear at the root of a confined process. */
const HOST_ROOT_ENTRIES = ['etc', 'home', 'root', 'sys', 'var', 'work', 'srv', 'mnt', 'run']

export function createDoctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check which isolation layers this host gives a sandbox, and how to fix the missing ones',
    )
    .addOption(new Option('--json', 'print the checks as JSON'))
    .action(async (flags: { json?: boolean }) => {
      try {
        const checks = doctorChecks(await diagnoseIsolation())
        const ok = checks.every((check) => check.ok || check.optional)
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`)
        } else {
          process.stdout.write(formatChecks(checks))
        }
        process.exitCode = ok ? 0 : 1
      } catch (error) {
        process.exitCode = reportFailure(error)
      }
    })
}

/** The diagnosis as checks a person can act on. */
export function doctorChecks(diagnosis: IsolationDiagnosis): DoctorCheck[] {
  const layer = (name: string) => diagnosis.layers.find((status) => status.layer === name)
  const { confinement } = diagnosis
  const checks: DoctorCheck[] = []
  const fromLayer = (name: string, inside?: { ok: boolean; detail: string }) => {
    const status = layer(name)
    if (!status) return
    const ok = status.ok && (inside?.ok ?? true)
    checks.push({
      name,
      ok,
      detail: inside && status.ok ? `${status.detail}; inside: ${inside.detail}` : status.detail,
      fix: ok ? null : (status.fix ?? 'see docs/isolation.md'),
    })
  }
  const leaked = confinement.rootEntries.filter((entry) => HOST_ROOT_ENTRIES.includes(entry))
  fromLayer('namespaces', {
    ok: confinement.error === null && leaked.length === 0 && confinement.initEnvironment === '',
    detail:
      confinement.error ??
      `root holds ${confinement.rootEntries.join(', ') || 'nothing'}${leaked.length ? ` (host directories: ${leaked.join(', ')})` : ''}; pid 1's environment is ${confinement.initEnvironment === '' ? 'empty' : JSON.stringify(confinement.initEnvironment)}`,
  })
  fromLayer('seccomp', {
    ok: confinement.seccompMode === '2',
    detail: `Seccomp: ${confinement.seccompMode ?? 'unknown'} in /proc/self/status`,
  })
  const cut =
    confinement.error === null &&
    confinement.listenerConnections === 0 &&
    confinement.tcpConnect !== null &&
    confinement.tcpConnect !== 'connected'
  checks.push({
    name: 'network',
    ok: cut && confinement.plan.confined,
    detail: `a TCP connection to a listener on the host's 127.0.0.1 ended ${confinement.tcpConnect ?? 'unknown'}; the listener saw ${confinement.listenerConnections} connection(s)`,
    fix: cut && confinement.plan.confined ? null : (layer('namespaces')?.fix ?? null),
  })
  fromLayer('cgroup')
  fromLayer('rlimits')
  const permission = ['--permission', '--experimental-permission'].find((flag) =>
    process.allowedNodeEnvironmentFlags.has(flag),
  )
  checks.push({
    name: 'node-permissions',
    ok: permission !== undefined,
    detail: permission
      ? `Node ${process.version} has ${permission}`
      : `Node ${process.version} has no permission model`,
    fix: permission ? null : 'use Node.js 20.11 or newer',
  })
  const { sandbox } = diagnosis
  checks.push(
    sandbox.ok
      ? {
          name: 'sandbox',
          ok: true,
          detail: `a Pyodide sandbox started in ${sandbox.startMs} ms with ${sandbox.isolation.join(', ')}`,
          fix: null,
        }
      : {
          name: 'sandbox',
          ok: false,
          detail: sandbox.error,
          fix: 'see the message; npm install, npm run build',
        },
  )
  const { native } = diagnosis
  checks.push(
    native.ok
      ? {
          name: 'native runtime',
          ok: true,
          detail: `a native sandbox (python3 ${native.python}) started in ${native.startMs} ms`,
          fix: null,
          optional: true,
        }
      : {
          name: 'native runtime',
          ok: false,
          detail: native.error,
          fix: 'only for runtime "native": every OS layer above, and a python3 (or the policy\'s "python", or PYWARD_PYTHON) that every user can read when pyward runs as root',
          optional: true,
        },
  )
  return checks
}

export function formatChecks(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length))
  const lines = checks.flatMap((check) => [
    `${check.ok ? 'ok     ' : check.optional ? 'absent ' : 'MISSING'}  ${check.name.padEnd(width)}  ${check.detail}`,
    ...(check.fix ? [`${' '.repeat(9 + width + 2)}fix: ${check.fix}`] : []),
  ])
  const missing = checks.filter((check) => !check.ok && !check.optional).length
  const summary =
    missing === 0
      ? 'Every layer is active: sandboxes on this host run with full isolation.'
      : `${missing} check(s) missing: with --isolation auto sandboxes run without them (and say so); --isolation strict refuses to start.`
  return `${lines.join('\n')}\n\n${summary}\n`
}
