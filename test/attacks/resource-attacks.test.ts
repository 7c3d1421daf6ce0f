/**
 * Attacks on the host's resources and on the sandbox's own limits, under each runtime, judged by
 * what /proc says of the sandbox process (helpers/attack-processes.ts), never by what the guest
 * reports.
 */
import assert from 'node:assert/strict'
import { readFileSync, readlinkSync } from 'node:fs'
import { describe, it } from 'node:test'
import { type RunResult, run, type SandboxError } from '../../src/index.ts'
import {
  DEFAULT_MEMORY_MB,
  NATIVE_ADDRESS_OVERHEAD_MB,
  processMemoryLimitMb,
} from '../../src/policy/limits.ts'
import { findInterpreterPids } from '../helpers/attack-processes.ts'
import {
  HAS_PROC,
  readProcessCpuMs,
  readProcessCredentials,
  readProcessLimit,
  readProcessRssBytes,
} from '../helpers/sandbox-processes.ts'
import { openSandbox, RUNTIMES, type RuntimeName, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const source = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')
const skip = !HAS_PROC && 'needs /proc (Linux) to watch the sandbox process'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const MIB = 2 ** 20

/** Samples the resident memory of every sandbox of this process until stopped; returns the peak. */
function watchPeakRss(): () => number {
  let peak = 0
  const timer = setInterval(() => {
    for (const pid of findInterpreterPids()) peak = Math.max(peak, readProcessRssBytes(pid) ?? 0)
  }, 20)
  return () => {
    clearInterval(timer)
    return peak
  }
}

const attackFiles = (params: object) => ({
  'params.json': JSON.stringify(params),
  '_attack.py': source('_attack.py'),
})

/** The host samples every 100 ms: allow what a guest can allocate in that time on top. */
const OVERSHOOT_MB = 400

/**
 * The most resident memory a sandbox process may reach, in bytes. Pyodide: the host's limit, plus
 * what grows between two of its samples. Native: RLIMIT_AS, which no page can pass (resident
 * memory is part of the address space), so no overshoot.
 */
function peakRssLimitBytes(runtime: RuntimeName, memoryMb: number): number {
  return runtime === 'native'
    ? (memoryMb + NATIVE_ADDRESS_OVERHEAD_MB) * MIB
    : (processMemoryLimitMb(memoryMb) + OVERSHOOT_MB) * MIB
}

/** Memory taken outside the Python heap (see memory-outside-heap.py), per runtime. */
const MEMORY_ATTACKS: Record<RuntimeName, string[]> = {
  pyodide: ['pipe', 'typed-arrays', 'wasm-grow'],
  // (A native pipe blocks its writer once its kernel buffer of 64 KiB is full.)
  native: ['mmap', 'malloc'],
}

/** Code that hoards memory outside the Python heap, a little per run, per runtime. */
const HOARD: Record<RuntimeName, { setup: string; step: string }> = {
  pyodide: {
    setup: 'import js\njs.globalThis.hoard = js.Array.new()',
    step: 'js.globalThis.hoard.push(js.Uint8Array.new(30 * 2**20).fill(1))',
  },
  // The native heap is the process's: the hoard is plain Python, kept across runs.
  native: { setup: 'hoard = []', step: 'hoard.append(b"\\x01" * (30 * 2**20))' },
}

for (const runtime of RUNTIMES) {
  describe(`attacks on resources (${runtime})`, { skip }, () => {
    it('nothing the guest leaves behind runs while the sandbox is idle', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, timeoutMs: 1_500 })
      // An async run first: the loop it runs on (a native driver makes one at its first async
      // run) is the loop the leftover task is put on, and the loop later runs turn.
      const warm = await sandbox.run('import asyncio\nawait asyncio.sleep(0)')
      assert.equal(warm.status, 'ok', warm.error?.traceback)
      const result = await sandbox.run(source('run-while-idle.py'))
      assert.deepEqual([result.status, result.value], ['ok', 'returned'])
      const [pid] = findInterpreterPids()
      assert.ok(pid, 'the sandbox process is found')
      const before = readProcessCpuMs(pid) ?? 0
      await sleep(1_500)
      const idleCpuMs = (readProcessCpuMs(pid) ?? 0) - before
      assert.ok(idleCpuMs < 300, `the idle sandbox used ${idleCpuMs} ms of CPU in 1.5 s`)
      // The leftover work runs only inside a later run that lets the event loop turn, and within
      // that run's limit (it times out, or the interrupt landing in the leftover work ends it; in
      // a native interpreter, asyncio keeps that interrupt as the leftover task's own exception,
      // and the later run ends as it would have).
      const started = performance.now()
      const later = await sandbox.run('import asyncio\nawait asyncio.sleep(0.1)')
      const ends = runtime === 'native' ? ['timeout', 'crashed', 'ok'] : ['timeout', 'crashed']
      assert.ok(ends.includes(later.status), later.status)
      assert.ok(performance.now() - started < 1_500 + 1_000)
    })

    it('a sandbox that works while idle is killed within a second', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
      const [pid] = findInterpreterPids()
      assert.ok(pid)
      // Pyodide: hooks that make the sandbox's own code run the guest's after the reply. Native:
      // a thread, which runs on by itself.
      const attack = runtime === 'native' ? 'thread-while-idle.py' : 'work-while-idle.py'
      const result = await sandbox.run(source(attack))
      assert.equal(result.status, 'ok')
      if (runtime === 'pyodide') {
        assert.match(
          result.stdout,
          /no subtle/,
          'WebCrypto is not there to keep worker threads busy',
        )
      }
      const before = readProcessCpuMs(pid) ?? 0
      await sleep(1_500)
      assert.deepEqual(findInterpreterPids(), [], 'the sandbox process is gone')
      assert.equal(sandbox.closed, true)
      assert.match(sandbox.closedReason ?? '', /CPU while idle/)
      const spent = (readProcessCpuMs(pid) ?? before) - before
      assert.ok(spent < 1_000, `it used ${spent} ms before it was killed`)
      await assert.rejects(
        sandbox.run('1'),
        (error: SandboxError) => error.code === 'SANDBOX_CLOSED',
      )
    })

    for (const memoryAttack of MEMORY_ATTACKS[runtime]) {
      it(`memory outside the Python heap (${memoryAttack}) is limited too`, {
        timeout: TEST_TIMEOUT_MS,
      }, async () => {
        const memoryMb = 64
        const stop = watchPeakRss()
        let peak = 0
        let result: RunResult
        try {
          result = await run(source('memory-outside-heap.py'), {
            runtime,
            memoryMb,
            timeoutMs: 30_000,
            files: attackFiles({ memoryAttack }),
          })
        } finally {
          peak = stop()
        }
        // Pyodide's host stops the run. A native process is refused the memory (RLIMIT_AS), and
        // the guest makes of the refusal what it will: MemoryError, an OSError, or carrying on.
        const expected = runtime === 'native' ? ['memory_limit', 'error', 'ok'] : ['memory_limit']
        assert.ok(
          expected.includes(result.status),
          `${result.status}: ${result.stdout}${result.error?.traceback ?? ''}`,
        )
        assert.ok(peak > 0, 'the sandbox process was watched')
        assert.ok(peak < peakRssLimitBytes(runtime, memoryMb), `peak RSS ${peak >> 20} MiB`)
      })
    }

    it('memory added a little per short run is seen too', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const memoryMb = 64
      const sandbox = await openSandbox(t, { runtime, memoryMb })
      await sandbox.run(HOARD[runtime].setup)
      const stop = watchPeakRss()
      let peak = 0
      let ended: string | null = null
      try {
        for (let i = 0; i < 60 && ended === null; i++) {
          try {
            const result = await sandbox.run(HOARD[runtime].step)
            if (result.status !== 'ok') ended = result.status
          } catch (error) {
            ended = (error as SandboxError).code
          }
        }
      } finally {
        peak = stop()
      }
      assert.ok(ended === 'memory_limit' || ended === 'SANDBOX_CLOSED', `ended: ${ended}`)
      assert.ok(peak < peakRssLimitBytes(runtime, memoryMb), `peak RSS ${peak >> 20} MiB`)
    })

    it('the sandbox process can write no core dump and grow no file past its limit', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      await openSandbox(t, { runtime })
      const [pid] = findInterpreterPids()
      assert.ok(pid)
      assert.deepEqual(readProcessLimit(pid, 'Max core file size'), ['0', '0'])
      // Pyodide's files live in its own memory; a native sandbox writes real files, each held
      // to the size of its scratch dir (memoryMb).
      const fileBytes = runtime === 'native' ? String(DEFAULT_MEMORY_MB * MIB) : '0'
      assert.deepEqual(readProcessLimit(pid, 'Max file size'), [fileBytes, fileBytes])
    })

    it('the guest cannot change who its process is or what it looks like', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, files: attackFiles({}) })
      const [pid] = findInterpreterPids()
      assert.ok(pid)
      const credentials = readProcessCredentials(pid)
      const executable = readlinkSync(`/proc/${pid}/exe`)
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      const result = await sandbox.run(source('process-identity.py'))
      assert.equal(result.status, 'ok', result.error?.traceback)
      assert.match(
        result.stdout,
        runtime === 'native' ? /os\.setuid: raised: / : /setgid: raised: /,
      )
      assert.equal(readProcessCredentials(pid), credentials)
      // The host finds a sandbox's process by its executable, which no guest changes. (A native
      // guest owns its process's memory, its argv with it: its command line is its own to write,
      // and the host never reads it.)
      assert.equal(readlinkSync(`/proc/${pid}/exe`), executable)
      if (runtime === 'pyodide') assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), cmdline)
    })
  })
}
