/**
 * The realm has fallen: what if a guest took over the JavaScript realm after all
 * (`constructor.constructor('return process')()`)? Each program in realm/ is plain Node that does
 * what such a guest would do with `process`, run under the OS confinement of a sandbox and nothing
 * else (helpers/confined-program.ts: no Pyodide, no Node permission flags, no realm hardening).
 * A native CPython probe does the same with raw system calls. Judged on the host, as the attack
 * suite is (helpers/host-watch.ts), and by the cgroup.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '../../src/index.ts'
import { parseLoaderListing, readElfInterpreter } from '../../src/isolation/binary-dependencies.ts'
import type { ReadOnlyBind } from '../../src/isolation/bwrap-args.ts'
import { locateRuntimeFiles } from '../../src/runtimes/pyodide/runtime-files.ts'
import { type ConfinedExit, runConfinedProgram } from '../helpers/confined-program.ts'
import { type HostWatch, watchHost } from '../helpers/host-watch.ts'

const REALM_DIR = fileURLToPath(new URL('realm/', import.meta.url))
const PYTHON = '/usr/bin/python3'
const settle = () => new Promise((resolve) => setTimeout(resolve, 200))
const timeout = 30_000

type Outcomes = Record<string, { returned?: string; raised?: string }>

/** What a confined program printed, parsed, with its exit for the failure message. */
function outcomesOf(exit: ConfinedExit): Outcomes {
  try {
    return JSON.parse(exit.stdout) as Outcomes
  } catch {
    assert.fail(`no report: ${JSON.stringify(exit)}`)
  }
}

function assertRaised(outcomes: Outcomes, name: string, error: RegExp): void {
  const outcome = outcomes[name]
  assert.ok(outcome?.raised !== undefined, `${name} did not fail: ${JSON.stringify(outcome)}`)
  assert.match(outcome.raised, error, name)
}

/** The stdlib and the shared libraries of its C extensions (ctypes needs libffi), for CPython. */
function pythonBinds(): ReadOnlyBind[] {
  const script =
    'import sysconfig, _ctypes; print(sysconfig.get_paths()["stdlib"]); print(_ctypes.__file__)'
  const [stdlib, ctypesModule] = execFileSync(PYTHON, ['-I', '-S', '-c', script], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n') as [string, string]
  const loader = readElfInterpreter(PYTHON) as string
  const listing = execFileSync(loader, ['--list', ctypesModule], { encoding: 'utf8' })
  // Bound where the host has them; a bind's host path must be real (no symlinks).
  return [stdlib, ...parseLoaderListing(listing)].map((path) => ({
    hostPath: realpathSync(path),
    sandboxPath: path,
  }))
}

/** Why the native probe cannot run here, or false. */
function nativePythonMissing(): string | false {
  const reason = `needs Debian's dynamically linked ${PYTHON}`
  try {
    return existsSync(PYTHON) && readElfInterpreter(PYTHON) !== null ? false : reason
  } catch {
    return reason
  }
}

describe('with the JavaScript realm taken, the OS layers alone hold', () => {
  let host: HostWatch
  let abstract: Server
  let abstractConnections = 0
  const abstractPath = `\0pyward-realm-${process.pid}-${Math.random().toString(16).slice(2)}`
  const params = () => ({
    ...host.params,
    abstractPath,
    victimSandboxPath: '/run/mounts/0/victim.txt',
  })
  /** Binds as a sandbox has them: the runtime's files, a mount; and the attack programs. */
  const binds = (): ReadOnlyBind[] => [
    { hostPath: REALM_DIR, sandboxPath: '/attack' },
    { hostPath: locateRuntimeFiles().pyodideDir, sandboxPath: '/opt/pyodide' },
    { hostPath: host.mount.hostPath, sandboxPath: '/run/mounts/0' },
  ]
  const runRealm = (program: string, limits = {}) =>
    runConfinedProgram({
      executable: process.execPath,
      args: [`/attack/${program}`, JSON.stringify(params())],
      binds: binds(),
      limits,
      timeoutMs: 15_000,
    })
  /** host-watch judges a RunResult by its JSON; a confined program's output is judged the same. */
  const assertUntouched = async (exit: ConfinedExit) => {
    await settle()
    host.assertUntouched({ stdout: exit.stdout, stderr: exit.stderr } as unknown as RunResult)
    assert.equal(abstractConnections, 0, 'the abstract unix socket listener received a connection')
    assert.equal(exit.timedOut, false, 'the program ran past its time limit')
    assert.equal(exit.cgroupRemoved, true, 'a process of the program outlived it')
  }

  before(async () => {
    host = await watchHost()
    abstract = createServer((socket) => {
      abstractConnections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => abstract.listen({ path: abstractPath }, resolve))
  })
  after(async () => {
    await host.close()
    await new Promise((resolve) => abstract.close(resolve))
  })

  it('fetch, TCP and an abstract unix socket reach no host listener', { timeout }, async () => {
    const exit = await runRealm('network.mjs')
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    for (const name of ['fetch', 'net.connect tcp', 'net.connect tcp ::1', 'http.get']) {
      assertRaised(outcomes, name, /EACCES|fetch failed/)
    }
    // No socket of any family may be created (EACCES); were one, the network namespace would
    // still keep the host's abstract sockets out of reach (ECONNREFUSED).
    assertRaised(outcomes, 'net.connect abstract', /EACCES|ECONNREFUSED/)
    assertRaised(outcomes, 'dgram send', /EACCES/)
  })

  it('the canary and the environments of other processes are out of reach', {
    timeout,
  }, async () => {
    const exit = await runRealm('files.mjs')
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    for (const name of ['read canary', 'read canary via /proc/1/root', 'read host pid environ']) {
      assertRaised(outcomes, name, /ENOENT|EACCES/)
    }
    const environ = outcomes['read /proc/1/environ']
    assert.ok(environ?.raised || environ?.returned === '', `/proc/1/environ: ${environ?.returned}`)
    assertRaised(outcomes, 'list /sys', /ENOENT/)
  })

  it('no process can be started', { timeout }, async () => {
    const exit = await runRealm('processes.mjs')
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    for (const name of Object.keys(outcomes)) assertRaised(outcomes, name, /EPERM|ENOENT/)
  })

  it('nothing outside the 1 MiB /tmp can be written, and no file can grow', {
    timeout,
  }, async () => {
    const exit = await runRealm('writes.mjs')
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    assertRaised(outcomes, 'write /tmp 8 MiB', /EFBIG|ENOSPC/)
    assert.match(outcomes['write /tmp 8 MiB']?.raised ?? '', /after (\d{1,6}|10[0-4]\d{4}) bytes/)
    assertRaised(outcomes, 'writeFileSync /tmp', /EFBIG|ENOSPC/)
    for (const name of Object.keys(outcomes).filter((name) => !name.includes('/tmp'))) {
      assertRaised(outcomes, name, /EROFS|EACCES|EPERM/)
    }
  })

  it('signals reach no host process and open no inspector', { timeout }, async () => {
    const exit = await runRealm('signals.mjs')
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    assertRaised(outcomes, 'kill host SIGUSR1', /ESRCH/)
    assertRaised(outcomes, '_debugProcess host', /ESRCH|No such process/)
    assertRaised(outcomes, 'kill -1 SIGUSR1', /ESRCH/)
  })

  it("a memory bomb is killed by the cgroup's OOM killer", { timeout }, async () => {
    const memoryBytes = 256 * 2 ** 20
    const exit = await runRealm('memory-bomb.mjs', { memoryBytes })
    await assertUntouched(exit)
    assert.equal(exit.oomKilled, true, JSON.stringify(exit))
    assert.equal(exit.signal, 'SIGKILL', JSON.stringify(exit))
    assert.doesNotMatch(exit.stdout, /survived|300 MiB/)
  })

  it('a thread bomb stops at the task limit with an error', { timeout }, async () => {
    const tasks = 32
    const exit = await runRealm('thread-bomb.mjs', { tasks })
    await assertUntouched(exit)
    const { workers, stopped } = JSON.parse(exit.stdout) as { workers: number; stopped: string }
    assert.ok(stopped, `it was not stopped: ${exit.stdout}`)
    assert.ok(workers < tasks, `${workers} workers`)
  })

  it('native CPython with raw system calls gets no network, process or namespace', {
    timeout,
    skip: nativePythonMissing(),
  }, async () => {
    const exit = await runConfinedProgram({
      executable: PYTHON,
      args: ['-I', '-S', '/attack/native-probe.py', JSON.stringify(params())],
      binds: [...binds(), ...pythonBinds()],
      timeoutMs: 15_000,
    })
    await assertUntouched(exit)
    const outcomes = outcomesOf(exit)
    for (const name of ['socket AF_INET connect', 'socket AF_INET6', 'socket AF_NETLINK']) {
      assertRaised(outcomes, name, /PermissionError: \[Errno 13\]/)
    }
    assertRaised(outcomes, 'socket AF_PACKET', /PermissionError/)
    assertRaised(outcomes, 'socket AF_UNIX abstract', /PermissionError|ConnectionRefused/)
    assertRaised(outcomes, 'os.fork', /PermissionError: \[Errno 1\]/)
    // system() runs no shell: its child could not be created, so it reports status 127.
    assert.equal(outcomes['os.system']?.returned, String(127 << 8))
    assertRaised(outcomes, 'read canary', /FileNotFoundError/)
    assertRaised(outcomes, 'write marker', /FileNotFoundError|OSError/)
    // The raw system calls do work (getpid), and each of these is refused by the filter (EPERM).
    assert.ok(outcomes['control: syscall getpid']?.returned, 'raw system calls can be made')
    for (const name of Object.keys(outcomes).filter((name) => name.startsWith('syscall '))) {
      assertRaised(outcomes, name, /PermissionError: \[Errno 1\]/)
    }
  })
})
