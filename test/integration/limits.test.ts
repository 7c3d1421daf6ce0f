import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { limits, run, type SandboxError } from '../../src/index.ts'
import {
  fixture,
  openSandbox,
  RUNTIMES,
  type RuntimeName,
  TEST_TIMEOUT_MS,
} from '../helpers/sandboxes.ts'

const timeoutMs = 1_500
/** The acceptance bound: a run that passes its limit ends within the limit plus one second. */
const LATEST_END_MS = timeoutMs + 1_000
const MIB = 1024 * 1024

/**
 * The most `usage.memoryPeakBytes` can be under `memoryMb`. It means something else in each
 * runtime: Pyodide's is the WebAssembly heap, capped at memoryMb; native's is the process's peak
 * resident memory, which its address-space limit (memoryMb plus the interpreter's overhead)
 * bounds.
 */
function memoryPeakCap(runtime: RuntimeName, memoryMb: number): number {
  return runtime === 'pyodide'
    ? memoryMb * MIB
    : (memoryMb + limits.NATIVE_ADDRESS_OVERHEAD_MB) * MIB
}

/**
 * Bytes the guest can write to /tmp. Pyodide's files share one quota of memoryMb; native's /tmp is
 * a tmpfs of its own size (the scratch dir is another, of memoryMb).
 */
function tmpQuota(runtime: RuntimeName, memoryMb: number): number {
  return runtime === 'pyodide' ? memoryMb * MIB : limits.NATIVE_TMP_BYTES
}

async function expectSandboxClosed(sandbox: {
  run(code: string): Promise<unknown>
  closed: boolean
}) {
  assert.equal(sandbox.closed, true, 'the sandbox is reported closed')
  await assert.rejects(sandbox.run('1'), (error: SandboxError) => error.code === 'SANDBOX_CLOSED')
}

for (const runtime of RUNTIMES) {
  describe(`time limit (${runtime})`, () => {
    it('stops a CPU loop with the soft interrupt, and the sandbox stays usable', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs })
      await sandbox.run('kept = "state"')
      const started = performance.now()
      const result = await sandbox.run(fixture('forever.py'), { filename: 'forever.py' })
      const elapsed = performance.now() - started
      assert.equal(result.status, 'timeout')
      assert.equal(result.exitCode, null)
      assert.ok(elapsed < LATEST_END_MS, `ended after ${elapsed} ms`)
      // The loop is lines 2 and 3; which one the interrupt is charged to depends on the CPython
      // version's line table (Pyodide's 3.14 says 3, the host's 3.11 says 2).
      assert.match(result.error?.traceback ?? '', /File "forever.py", line [23], in <module>/)
      assert.equal((await sandbox.run('kept')).value, 'state')
    })

    it('stops code that polls rarely (long C calls) with the soft interrupt too', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      // Each iteration is milliseconds of C, so CPython polls for signals rarely: a clock that
      // looked only every few dozen polls would see the deadline too late, and the host would kill
      // the sandbox instead (the session lost, the except and finally blocks never run).
      const sandbox = await openSandbox(t, { runtime, timeoutMs })
      const result = await sandbox.run(
        [
          'import hashlib',
          'data = bytes(2_000_000)',
          'try:',
          '    while True: hashlib.sha256(data).digest()',
          'finally:',
          '    print("cleaned up")',
        ].join('\n'),
      )
      assert.equal(result.status, 'timeout')
      assert.equal(result.stdout, 'cleaned up\n')
      assert.equal(sandbox.closed, false, sandbox.closedReason ?? '')
      assert.equal((await sandbox.run('1 + 1')).value, 2)
    })

    it('kills a loop that swallows BaseException at the limit', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs })
      const started = performance.now()
      const result = await sandbox.run(fixture('swallow-interrupts.py'))
      const elapsed = performance.now() - started
      assert.equal(result.status, 'timeout')
      assert.ok(elapsed < LATEST_END_MS, `ended after ${elapsed} ms`)
      await expectSandboxClosed(sandbox)
    })

    it('ends a long sleep at the limit', { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs })
      const started = performance.now()
      const result = await sandbox.run(fixture('sleep-forever.py'), { filename: 'sleep.py' })
      const elapsed = performance.now() - started
      assert.equal(result.status, 'timeout')
      assert.ok(elapsed < LATEST_END_MS, `ended after ${elapsed} ms`)
      if (runtime === 'pyodide') {
        // Pyodide's interrupt cannot break into time.sleep: the sandbox is killed (README, known
        // limits).
        await expectSandboxClosed(sandbox)
      } else {
        // A native sleep is a system call the interrupt's signal breaks: the run stops softly,
        // where the guest slept, and the session lives on.
        assert.match(result.error?.traceback ?? '', /File "sleep.py", line 4, in <module>/)
        assert.equal(sandbox.closed, false, sandbox.closedReason ?? '')
        assert.equal((await sandbox.run('1 + 1')).value, 2)
      }
    })

    it('cancels an async run that awaits past the limit', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs })
      const result = await sandbox.run('import asyncio\nawait asyncio.sleep(3600)')
      assert.equal(result.status, 'timeout')
      assert.equal(sandbox.closed, false)
      assert.equal((await sandbox.run('await asyncio.sleep(0)\n1 + 1')).value, 2)
    })

    it('applies a per-run limit over the sandbox default', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs: 30_000 })
      const started = performance.now()
      const result = await sandbox.run(fixture('forever.py'), { timeoutMs: 300 })
      assert.equal(result.status, 'timeout')
      assert.ok(performance.now() - started < 300 + 1_000)
    })
  })

  describe(`memory limit (${runtime})`, () => {
    it('turns a gigabyte allocation into memory_limit and keeps the heap under the cap', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
      const result = await sandbox.run(fixture('memory-bomb.py'), { filename: 'bomb.py' })
      assert.equal(result.status, 'memory_limit')
      assert.equal(result.error?.type, 'MemoryError')
      assert.match(result.error?.traceback ?? '', /File "bomb.py", line 2, in <module>/)
      const peak = result.usage.memoryPeakBytes
      assert.ok(peak > 0 && peak <= memoryPeakCap(runtime, 200), `peak ${peak}`)
      const after = await sandbox.run('len(bytearray(10**6))')
      assert.deepEqual([after.status, after.value], ['ok', 1_000_000])
    })

    it('stops a list that grows without end', { timeout: TEST_TIMEOUT_MS }, async () => {
      const result = await run(fixture('memory-creep.py'), {
        runtime,
        memoryMb: 96,
        timeoutMs: 20_000,
      })
      assert.ok(['memory_limit', 'crashed'].includes(result.status), result.status)
      assert.ok(
        result.usage.memoryPeakBytes <= memoryPeakCap(runtime, 96),
        `peak ${result.usage.memoryPeakBytes}`,
      )
    })

    it('refuses files past the quota instead of taking host memory', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const result = await run(fixture('disk-fill.py'), {
        runtime,
        memoryMb: 64,
        timeoutMs: 20_000,
      })
      assert.equal(result.status, 'error')
      assert.equal(result.error?.type, 'OSError')
      const written = Number(/refused after (\d+) bytes/.exec(result.stdout)?.[1])
      assert.ok(written > 0 && written <= tmpQuota(runtime, 64), `wrote ${written}`)
    })
  })

  describe(`output limit (${runtime})`, () => {
    it('ends a print loop fast, keeping at most maxOutputBytes', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs: 30_000, maxOutputBytes: 10_000 })
      const started = performance.now()
      const result = await sandbox.run(fixture('print-flood.py'))
      const elapsed = performance.now() - started
      assert.equal(result.status, 'output_limit')
      assert.equal(result.exitCode, null)
      assert.equal(result.stdoutTruncated, true)
      assert.ok(Buffer.byteLength(result.stdout) <= 10_000)
      assert.match(result.stdout, /^flood flood /)
      assert.ok(elapsed < 10_000, `ended after ${elapsed} ms, long before the 30 s timeout`)
      assert.equal((await sandbox.run('1 + 1')).value, 2)
    })

    it('kills a flood that swallows the interrupt', { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs: 30_000, maxOutputBytes: 1_000 })
      const code =
        'while True:\n    try:\n        while True: print("x" * 100)\n    except BaseException:\n        pass'
      const started = performance.now()
      const result = await sandbox.run(code)
      assert.equal(result.status, 'output_limit')
      assert.ok(performance.now() - started < 10_000)
      assert.ok(Buffer.byteLength(result.stdout) <= 1_000)
    })
  })

  describe(`runaway computations (${runtime})`, () => {
    it('refuses to format a huge int (CPython int max_str_digits)', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const result = await run(fixture('huge-int.py'), { runtime, timeoutMs: 10_000 })
      assert.equal(result.status, 'error')
      assert.equal(result.error?.type, 'ValueError')
    })

    it('stops catastrophic regex backtracking at the limit', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const result = await run(fixture('regex-backtracking.py'), { runtime, timeoutMs })
      assert.equal(result.status, 'timeout')
    })
  })
}
