/**
 * Attacks on the host's resources and on the sandbox's own limits, judged by what /proc says of
 * the sandbox process (helpers/sandbox-processes.ts), never by what the guest reports.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { type RunResult, run, type SandboxError } from '../../src/index.ts'
import { processMemoryLimitMb } from '../../src/policy/limits.ts'
import {
  findSandboxPids,
  HAS_PROC,
  readProcessCpuMs,
  readProcessCredentials,
  readProcessLimit,
  readProcessRssBytes,
} from '../helpers/sandbox-processes.ts'
import { openSandbox, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const source = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')
const skip = !HAS_PROC && 'needs /proc (Linux) to watch the sandbox process'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Samples the resident memory of every sandbox of this process until stopped; returns the peak. */
function watchPeakRss(): () => number {
  let peak = 0
  const timer = setInterval(() => {
    for (const pid of findSandboxPids()) peak = Math.max(peak, readProcessRssBytes(pid) ?? 0)
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

describe('attacks on resources', { skip }, () => {
  it('nothing the guest leaves behind runs while the sandbox is idle', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t, { timeoutMs: 1_500 })
    const result = await sandbox.run(source('run-while-idle.py'))
    assert.deepEqual([result.status, result.value], ['ok', 'returned'])
    const [pid] = findSandboxPids()
    assert.ok(pid, 'the sandbox process is found')
    const before = readProcessCpuMs(pid) ?? 0
    await sleep(1_500)
    const idleCpuMs = (readProcessCpuMs(pid) ?? 0) - before
    assert.ok(idleCpuMs < 300, `the idle sandbox used ${idleCpuMs} ms of CPU in 1.5 s`)
    // The leftover work runs only inside a later run that lets the event loop turn, and within
    // that run's limit (it times out, or the interrupt landing in the leftover work ends it).
    const started = performance.now()
    const later = await sandbox.run('import asyncio\nawait asyncio.sleep(0.1)')
    assert.ok(['timeout', 'crashed'].includes(later.status), later.status)
    assert.ok(performance.now() - started < 1_500 + 1_000)
  })

  it('a sandbox that works while idle is killed within a second', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t)
    const [pid] = findSandboxPids()
    assert.ok(pid)
    const result = await sandbox.run(source('work-while-idle.py'))
    assert.equal(result.status, 'ok')
    assert.match(result.stdout, /no subtle/, 'WebCrypto is not there to keep worker threads busy')
    const before = readProcessCpuMs(pid) ?? 0
    await sleep(1_500)
    assert.deepEqual(findSandboxPids(), [], 'the sandbox process is gone')
    assert.equal(sandbox.closed, true)
    assert.match(sandbox.closedReason ?? '', /CPU while idle/)
    const spent = (readProcessCpuMs(pid) ?? before) - before
    assert.ok(spent < 1_000, `it used ${spent} ms before it was killed`)
    await assert.rejects(sandbox.run('1'), (error: SandboxError) => error.code === 'SANDBOX_CLOSED')
  })

  for (const memoryAttack of ['pipe', 'typed-arrays', 'wasm-grow']) {
    it(`memory outside the Python heap (${memoryAttack}) is limited too`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const memoryMb = 64
      const stop = watchPeakRss()
      let peak = 0
      let result: RunResult
      try {
        result = await run(source('memory-outside-heap.py'), {
          memoryMb,
          timeoutMs: 30_000,
          files: attackFiles({ memoryAttack }),
        })
      } finally {
        peak = stop()
      }
      assert.equal(result.status, 'memory_limit', result.stdout + (result.error?.traceback ?? ''))
      assert.ok(
        peak < (processMemoryLimitMb(memoryMb) + OVERSHOOT_MB) * 2 ** 20,
        `peak RSS ${peak >> 20} MiB`,
      )
    })
  }

  it('memory added a little per short run is seen too', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const memoryMb = 64
    const sandbox = await openSandbox(t, { memoryMb })
    await sandbox.run('import js\njs.globalThis.hoard = js.Array.new()')
    const stop = watchPeakRss()
    let peak = 0
    let ended: string | null = null
    try {
      for (let i = 0; i < 60 && ended === null; i++) {
        try {
          const result = await sandbox.run(
            'js.globalThis.hoard.push(js.Uint8Array.new(30 * 2**20).fill(1))',
          )
          if (result.status !== 'ok') ended = result.status
        } catch (error) {
          ended = (error as SandboxError).code
        }
      }
    } finally {
      peak = stop()
    }
    assert.ok(ended === 'memory_limit' || ended === 'SANDBOX_CLOSED', `ended: ${ended}`)
    assert.ok(
      peak < (processMemoryLimitMb(memoryMb) + OVERSHOOT_MB) * 2 ** 20,
      `peak RSS ${peak >> 20} MiB`,
    )
  })

  it('the sandbox process can write no core dump and grow no file', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    await openSandbox(t)
    const [pid] = findSandboxPids()
    assert.ok(pid)
    assert.deepEqual(readProcessLimit(pid, 'Max core file size'), ['0', '0'])
    assert.deepEqual(readProcessLimit(pid, 'Max file size'), ['0', '0'])
  })

  it('the guest cannot change who its process is or what it looks like', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t, { files: attackFiles({}) })
    const [pid] = findSandboxPids()
    assert.ok(pid)
    const credentials = readProcessCredentials(pid)
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    const result = await sandbox.run(source('process-identity.py'))
    assert.equal(result.status, 'ok', result.error?.traceback)
    assert.match(result.stdout, /setgid: raised: /)
    assert.equal(readProcessCredentials(pid), credentials)
    assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), cmdline)
  })
})
