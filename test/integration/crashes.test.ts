import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SandboxError } from '../../src/index.ts'
import {
  fixture,
  openSandbox,
  RUNTIMES,
  type RuntimeName,
  TEST_TIMEOUT_MS,
} from '../helpers/sandboxes.ts'

type Crasher = [string, string, (status: string, exitCode: number | null) => void]

const crashed = (status: string) => assert.equal(status, 'crashed')

/** Ways to end a sandbox's interpreter, each runtime's own and the ones they share. */
function crashers(runtime: RuntimeName): Crasher[] {
  const shared: Crasher[] = [
    ['stack-overflow.py', fixture('stack-overflow.py'), crashed],
    [
      'os-exit.py',
      fixture('os-exit.py'),
      (status, exitCode) => assert.deepEqual([status, exitCode], ['error', 7]),
    ],
    ['os.abort()', 'import os\nos.abort()', crashed],
  ]
  if (runtime === 'native') {
    // No WebAssembly bounds the guest's C code: a bad pointer kills the process (SIGSEGV).
    return [...shared, ['a bad pointer in C code', 'import ctypes\nctypes.string_at(0)', crashed]]
  }
  // Pyodide only: these reach the JavaScript realm the interpreter runs in, which native lacks.
  return [
    ...shared,
    [
      'an error escaping to the event loop',
      [
        'import asyncio, js',
        'from pyodide.ffi import create_proxy',
        'js.setTimeout(create_proxy(lambda: 1 / 0), 0)',
        'await asyncio.sleep(0.2)',
      ].join('\n'),
      crashed,
    ],
    ['process.exit()', 'import js\njs.process.exit(0)', crashed],
  ]
}

for (const runtime of RUNTIMES) {
  describe(`a crashed or killed sandbox (${runtime})`, { timeout: TEST_TIMEOUT_MS * 3 }, () => {
    it('is a result, and leaves the host and another live sandbox working', {
      timeout: TEST_TIMEOUT_MS * 2,
    }, async (t) => {
      const bystander = await openSandbox(t, { runtime })
      await bystander.run('counter = 1')

      for (const [name, code, check] of crashers(runtime)) {
        await t.test(name, async (t) => {
          const victim = await openSandbox(t, { runtime })
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

    it('reports os._exit(n) as an exit with status n, above 128 too', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      // (A status above 128 from the process's end alone would read as a signal: 139 as SIGSEGV.)
      const sandbox = await openSandbox(t, { runtime })
      const result = await sandbox.run('import os\nos._exit(139)')
      assert.deepEqual([result.status, result.exitCode], ['error', 139])
      assert.ok(sandbox.closed)
      assert.match(sandbox.closedReason ?? '', /os\._exit\(139\)/)
    })

    it('reports the output written before os._exit()', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
      const result = await sandbox.run(fixture('os-exit.py'))
      assert.equal(result.stdout, 'before\n')
    })

    it('ends with status killed when the caller aborts, and closes', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
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
      const sandbox = await openSandbox(t, { runtime })
      const result = await sandbox.run('x = 1', { signal: AbortSignal.abort() })
      assert.equal(result.status, 'killed')
      assert.equal(sandbox.closed, false)
      assert.equal((await sandbox.run('"x" in globals()')).value, false)
    })
  })
}
