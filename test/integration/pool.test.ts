/**
 * The warm pool: sandboxes started ahead, each serving exactly one run. A run looks for every
 * trace an earlier run could have left (Python state, a scratch file, a JavaScript global, a
 * module it patched) and must find none; the host checks that no sandbox process outlives the pool.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPool, run, type SandboxError } from '../../src/index.ts'
import { findSandboxPids, HAS_PROC } from '../helpers/sandbox-processes.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

/** Reports what earlier runs left, then leaves traces of its own. */
const LOOK_AND_MARK = `
import builtins, json, os, js
seen = {
    "python": getattr(builtins, "_pyward_mark", None),
    "file": os.path.exists("/sandbox/mark.txt"),
    "js": str(getattr(js.globalThis, "pywardMark", None)),
    "patched": getattr(json, "_patched", False),
}
builtins._pyward_mark = "left"
open("/sandbox/mark.txt", "w").write("left")
try:
    js.globalThis.pywardMark = "left"
except Exception:
    pass
json._patched = True
seen`

const NOTHING_SEEN = { python: null, file: false, js: 'None', patched: false }

async function waitFor(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('warm pool', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  it('never hands the same sandbox to two runs', { timeout: TEST_TIMEOUT_MS * 2 }, async () => {
    const pool = createPool({ size: 2 })
    try {
      // Three at a time through a pool of two, and one after another.
      const concurrent = await Promise.all(Array.from({ length: 6 }, () => pool.run(LOOK_AND_MARK)))
      const sequential = []
      for (let i = 0; i < 3; i += 1) sequential.push(await pool.run(LOOK_AND_MARK))
      for (const result of [...concurrent, ...sequential]) {
        assert.equal(result.status, 'ok', result.stderr)
        assert.deepEqual(result.value, NOTHING_SEEN)
      }
      assert.equal(pool.stats.served, 9)
    } finally {
      await pool.close()
    }
    if (HAS_PROC) assert.deepEqual(findSandboxPids(), [])
  })

  it('is what run() takes sandboxes from, with its own policy', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await using pool = createPool({ size: 1, policy: { env: { FROM: 'pool' } } })
    const result = await run('import os; print(os.environ["FROM"]); input()', {
      pool,
      stdin: 'a line\n',
      timeoutMs: 10_000,
    })
    assert.equal(result.status, 'ok', result.stderr)
    assert.equal(result.stdout, 'pool\n')
    await assert.rejects(
      run('1', { pool, memoryMb: 100 } as Parameters<typeof run>[1]),
      (error: SandboxError) =>
        error.code === 'INVALID_OPTIONS' && /memoryMb.*createPool/.test(error.message),
    )
  })

  it('refuses bad run options before it spends a sandbox on them', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await using pool = createPool({ size: 1, warmUp: false })
    await assert.rejects(
      pool.run('1', { timeout: 5 } as Parameters<typeof pool.run>[1]),
      (error: SandboxError) => error.code === 'INVALID_OPTIONS' && /timeout/.test(error.message),
    )
    await assert.rejects(
      pool.run(42 as unknown as string),
      (error: SandboxError) => error.code === 'INVALID_OPTIONS' && /code/.test(error.message),
    )
    assert.equal(pool.stats.served, 0)
  })

  it('refills in the background and reports callers that waited', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await using pool = createPool({ size: 1, warmUp: false })
    const [first, second] = await Promise.all([pool.run('1'), pool.run('2')])
    assert.equal(first?.value, 1)
    assert.equal(second?.value, 2)
    assert.ok(pool.stats.waited >= 1, JSON.stringify(pool.stats))
    assert.ok(pool.stats.waitMs > 0)
    await waitFor(() => pool.stats.idle === 1)
    assert.equal(pool.stats.starting, 0, 'never more than size sandboxes')
  })

  it('never hands out an idle sandbox that died, and replaces it', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    if (!HAS_PROC) {
      t.skip('needs /proc to find the sandbox process')
      return
    }
    await using pool = createPool({ size: 1, warmUp: false })
    await waitFor(() => pool.stats.idle === 1)
    const [victim] = findSandboxPids()
    assert.ok(victim, 'the idle sandbox process was found')
    process.kill(victim, 'SIGKILL')
    await waitFor(() => pool.stats.idle === 0)
    const result = await pool.run('import os; os.getpid() > 0')
    assert.equal(result.status, 'ok', result.stderr)
    assert.equal(result.value, true)
  })

  it('kills everything it started when closed', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pool = createPool({ size: 2 })
    await waitFor(() => pool.stats.idle === 2)
    const running = pool.run('while True: pass', { timeoutMs: 60_000 })
    await waitFor(() => pool.stats.running === 1)
    await pool.close()
    const result = await running
    assert.notEqual(result.status, 'ok')
    if (HAS_PROC) assert.deepEqual(findSandboxPids(), [])
    await assert.rejects(pool.run('1'), (error: SandboxError) => error.code === 'SANDBOX_CLOSED')
  })

  it('refuses a bad size or policy when created', () => {
    for (const size of [0, 1.5, 65, Number.NaN]) {
      assert.throws(
        () => createPool({ size }),
        (error: SandboxError) => error.code === 'INVALID_OPTIONS' && /size/.test(error.message),
      )
    }
    assert.throws(
      () => createPool({ size: 1, timeoutMs: 200 } as Parameters<typeof createPool>[0]),
      (error: SandboxError) =>
        error.code === 'INVALID_OPTIONS' && /timeoutMs.*policy/.test(error.message),
    )
    assert.throws(
      () => createPool({ warmUp: 'yes' as unknown as boolean }),
      (error: SandboxError) => error.code === 'INVALID_OPTIONS' && /warmUp/.test(error.message),
    )
    assert.throws(
      () => createPool({ policy: { memoryMb: 1 } }),
      (error: SandboxError) => error.code === 'INVALID_OPTIONS' && /memoryMb/.test(error.message),
    )
  })
})
