/**
 * The attack suite: one Python file per attack, each run in a fresh sandbox under each runtime
 * and judged only by its effect on the host (see helpers/host-watch.ts, and the native runtime's
 * own files) and by what the OS says about the sandbox process (helpers/attack-processes.ts).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type RunOptions, type RunResult, run, type SandboxError } from '../../src/index.ts'
import { readProcessCpuMs } from '../../src/runtimes/process-stats.ts'
import { type NativeFilesWatch, watchNativeFiles } from '../helpers/attack-native-files.ts'
import {
  findInterpreterPids,
  listSandboxedProcesses,
  watchSandboxedProcesses,
} from '../helpers/attack-processes.ts'
import { type HostWatch, watchHost } from '../helpers/host-watch.ts'
import { openSandbox, RUNTIMES, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const source = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')

/**
 * Attacks that try many routes, each caught, so the run itself ends ok. Each tries Python's own
 * routes (files, /proc, sockets, processes, signals), which every runtime has, and the JavaScript
 * realm's, which only Pyodide has (they raise ImportError in a native sandbox, see _attack.py).
 */
const ATTACKS = [
  'read-host-file.py',
  'write-host-file.py',
  'delete-host-file.py',
  'start-process.py',
  'read-host-env.py',
  'network-loopback.py',
  'signal-host.py',
]

/** Attacks on Node's JavaScript realm alone, which a native sandbox does not have. */
const REALM_ATTACKS = [
  'js-realm-escape.py',
  'node-stdio-handles.py',
  'network-undici.py',
  'structured-clone.py',
  'prototype-capture.py',
  'event-emitter-capture.py',
]

for (const runtime of RUNTIMES) {
  /** A visible skip, with its reason, for a test that is about the other runtime only. */
  const pyodideOnly = (why: string) => runtime !== 'pyodide' && `Pyodide only: ${why}`
  const nativeOnly = (why: string) => runtime !== 'native' && `native only: ${why}`

  describe(`attacks on the host from inside a sandbox (${runtime})`, () => {
    let host: HostWatch
    let nativeFiles: NativeFilesWatch
    const attackOptions = (extra: Record<string, unknown> = {}): RunOptions => ({
      runtime,
      timeoutMs: 20_000,
      mounts: [host.mount],
      files: {
        'params.json': JSON.stringify({ ...host.params, ...extra }),
        '_attack.py': source('_attack.py'),
      },
    })
    /** Give a connection, a signal or a file operation time to land before judging. */
    const settle = () => new Promise((resolve) => setTimeout(resolve, 200))
    /** Nothing of the host changed, no process ran in the sandbox but its interpreter. */
    const assertUntouched = (result: RunResult, processPeak: number) => {
      host.assertUntouched(result)
      nativeFiles.assertUnchanged()
      assert.ok(processPeak <= 1, 'a process was started in the sandbox')
    }

    before(async () => {
      host = await watchHost()
      nativeFiles = await watchNativeFiles()
    })
    after(() => host.close())

    for (const attack of [...ATTACKS, ...REALM_ATTACKS]) {
      it(`${attack} has no effect on the host`, {
        timeout: TEST_TIMEOUT_MS,
        skip: REALM_ATTACKS.includes(attack) && pyodideOnly('it attacks the JavaScript realm'),
      }, async () => {
        const watch = watchSandboxedProcesses()
        const result = await run(source(attack), { ...attackOptions(), filename: attack })
        await settle()
        assertUntouched(result, watch.stop().peakProcesses)
        assert.deepEqual(listSandboxedProcesses(), [], 'a process of the sandbox outlived its run')
        assert.equal(
          result.status,
          'ok',
          `the attack ran to its end: ${result.error?.traceback ?? ''}`,
        )
        assert.match(result.stdout, /: raised: /, 'the attempts were made')
      })
    }

    it('a reply forged on fd 3 is refused and its sandbox killed', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, attackOptions())
      const result = await sandbox.run(source('forge-reply.py'), { filename: 'forge-reply.py' })
      host.assertUntouched(result)
      assert.equal(result.status, 'crashed')
      assert.match(result.error?.traceback ?? '', /not pending/)
      assert.notEqual(result.value, 'forged')
      assert.equal(sandbox.closed, true)
    })

    it('a reply forged with the real request id buys no time: the guest working on is killed', {
      timeout: TEST_TIMEOUT_MS,
      skip: nativeOnly("a Pyodide guest does not reach the host's request ids"),
    }, async (t) => {
      const sandbox = await openSandbox(t, attackOptions())
      const [pid] = findInterpreterPids()
      assert.ok(pid, 'the sandbox process is found')
      const result = await sandbox.run(source('forge-reply-real-id.py'), {
        filename: 'forge-reply-real-id.py',
        timeoutMs: 10_000,
      })
      // The guest may say what its own run returned; it may not keep running after it.
      const answeredAt = performance.now()
      const cpuAtAnswer = readProcessCpuMs(pid) ?? 0
      host.assertUntouched(result)
      while (!sandbox.closed && performance.now() - answeredAt < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const closedAfterMs = performance.now() - answeredAt
      assert.equal(sandbox.closed, true, 'the sandbox was not killed')
      assert.match(sandbox.closedReason ?? '', /CPU while idle|not pending/)
      assert.ok(closedAfterMs < 2_000, `it was killed ${Math.round(closedAfterMs)} ms later`)
      const spent = (readProcessCpuMs(pid) ?? cpuAtAnswer) - cpuAtAnswer
      assert.ok(spent < 1_500, `it used ${spent} ms of CPU after its reply`)
      assert.deepEqual(listSandboxedProcesses(), [], 'the sandbox process is gone')
      await assert.rejects(
        sandbox.run('1'),
        (error: SandboxError) => error.code === 'SANDBOX_CLOSED',
      )
    })

    it('a message built to be expensive to parse is refused by its shape, not parsed', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, {
        ...attackOptions(),
        maxValueBytes: 32 * 1024 * 1024,
      })
      // What the host's heap grows by while the sandbox attacks (a parse of this message took
      // about 1 GB of heap here, and 10.7 s); judged by memory, not by time.
      const heapBefore = process.memoryUsage().heapUsed
      let heapPeak = heapBefore
      const sampler = setInterval(() => {
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
      }, 20)
      const result = await sandbox.run(source('parse-bomb.py'), { filename: 'parse-bomb.py' })
      clearInterval(sampler)
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
      host.assertUntouched(result)
      assert.equal(result.status, 'crashed')
      assert.match(
        result.error?.traceback ?? '',
        /heavier than the reply expected|message frame of/,
      )
      const grewMb = (heapPeak - heapBefore) / 2 ** 20
      assert.ok(grewMb < 300, `the host's heap grew by ${Math.round(grewMb)} MB`)
    })

    it('a flood of empty output frames is refused at once', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const started = performance.now()
      const result = await run(source('empty-frames.py'), attackOptions())
      assert.equal(result.status, 'crashed')
      assert.match(result.error?.traceback ?? '', /empty output frame/)
      assert.ok(performance.now() - started < 10_000, 'long before the time limit')
    })

    it('the value cap holds even when the guest raises its own', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const code = [
        'import signal',
        'signal.getsignal(signal.SIGINT).__globals__["_max_value_bytes"] = 1 << 30',
        '"v" * (1024 * 1024)',
      ].join('\n')
      const result = await run(code, { runtime, maxValueBytes: 1024 })
      // The host refuses a reply larger than the caps allow (the sandbox is killed for it), and
      // holds whatever it does accept to the cap itself.
      assert.ok(['ok', 'crashed'].includes(result.status), result.status)
      if (result.status === 'crashed') {
        assert.match(result.error?.traceback ?? '', /message frame of/)
      }
      assert.equal(result.value, null)
      assert.ok(Buffer.byteLength(result.valueRepr ?? '') <= 1024)
    })

    it('file descriptors the host inherited do not reach the sandbox', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pyward-fds-'))
      const secretPath = join(dir, 'secret.txt')
      const appendPath = join(dir, 'append.txt')
      writeFileSync(secretPath, 'inherited-secret')
      writeFileSync(appendPath, '')
      const secretFd = openSync(secretPath, 'r')
      const appendFd = openSync(appendPath, 'a')
      // fds 20 and 21 of the helper host are open without close-on-exec, as fds inherited from a
      // shell or a job runner are.
      const stdio = [
        'ignore',
        'pipe',
        'pipe',
        ...Array.from({ length: 17 }, () => 'ignore'),
        secretFd,
        appendFd,
      ]
      const helper = fileURLToPath(new URL('../helpers/attack-host.ts', import.meta.url))
      const params = JSON.stringify({ inheritedFds: [20, 21] })
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', helper, runtime, 'inherited-fds.py', params],
        { stdio: stdio as never },
      )
      closeSync(secretFd)
      closeSync(appendFd)
      let output = ''
      child.stdout?.on('data', (chunk) => {
        output += chunk
      })
      const code = await new Promise((resolve) => child.on('close', resolve))
      assert.equal(code, 0)
      const result = JSON.parse(output) as RunResult
      assert.equal(result.status, 'ok', result.error?.traceback)
      assert.match(result.stdout, /read fd 20: /)
      assert.ok(!output.includes('inherited-secret'), 'the secret was read through an inherited fd')
      assert.equal(readFileSync(appendPath, 'utf8'), '', 'the guest wrote through an inherited fd')
    })
  })
}
