import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SandboxError } from '../../src/index.ts'
import { fixture, openSandbox, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

describe('a crashed or killed sandbox', { timeout: TEST_TIMEOUT_MS * 3 }, () => {
  it('is a result, and leaves the host and another live sandbox working', {
    timeout: TEST_TIMEOUT_MS * 2,
  }, async (t) => {
    const bystander = await openSandbox(t)
    await bystander.run('counter = 1')

    const crashers: [string, string, (status: string, exitCode: number | null) => void][] = [
      [
        'stack-overflow.py',
        fixture('stack-overflow.py'),
        (status) => assert.equal(status, 'crashed'),
      ],
      [
        'os-exit.py',
        fixture('os-exit.py'),
        (status, exitCode) => assert.deepEqual([status, exitCode], ['error', 7]),
      ],
      [
        'an error escaping to the event loop',
        [
          'import asyncio, js',
          'from pyodide.ffi import create_proxy',
          'js.setTimeout(create_proxy(lambda: 1 / 0), 0)',
          'await asyncio.sleep(0.2)',
        ].join('\n'),
        (status) => assert.equal(status, 'crashed'),
      ],
      [
        'process.exit()',
        'import js\njs.process.exit(0)',
        (status) => assert.equal(status, 'crashed'),
      ],
    ]
    for (const [name, code, check] of crashers) {
      await t.test(name, async (t) => {
        const victim = await openSandbox(t)
        const result = await victim.run(code)
        check(result.status, result.exitCode)
        assert.equal(victim.closed, true, 'the broken sandbox is reported closed')
        await assert.rejects(
          victim.run('1'),
          (error: SandboxError) => error.code === 'SANDBOX_CLOSED',
        )
        const alive = await bystander.run('counter += 1\ncounter')
        assert.deepEqual(
          [alive.status, (alive.value as number) > 1],
          ['ok', true],
          'the other sandbox keeps its state',
        )
      })
    }
  })

  it('reports the output written before os._exit()', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const sandbox = await openSandbox(t)
    const result = await sandbox.run(fixture('os-exit.py'))
    assert.equal(result.stdout, 'before\n')
  })

  it('ends with status killed when the caller aborts, and closes', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t)
    const controller = new AbortController()
    const pending = sandbox.run(fixture('forever.py'), {
      signal: controller.signal,
      timeoutMs: 60_000,
    })
    setTimeout(() => controller.abort(), 200)
    const result = await pending
    assert.equal(result.status, 'killed')
    assert.equal(sandbox.closed, true)
  })

  it('does not run at all when the signal is already aborted', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t)
    const result = await sandbox.run('x = 1', { signal: AbortSignal.abort() })
    assert.equal(result.status, 'killed')
    assert.equal(sandbox.closed, false)
    assert.equal((await sandbox.run('"x" in globals()')).value, false)
  })
})
