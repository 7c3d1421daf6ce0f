import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, it } from 'node:test'
import { run, Sandbox, type SandboxError } from '../../src/index.ts'
import {
  EXPECTED_LAYERS,
  openSandbox,
  RUNTIMES,
  type RuntimeName,
  TEST_TIMEOUT_MS,
} from '../helpers/sandboxes.ts'

/** How each runtime refuses a write to a read-only mount: the same CPython errno mapping. */
const READ_ONLY_WRITE: Record<RuntimeName, [string, string]> = {
  // Pyodide's in-memory file system refuses the write itself.
  pyodide: ['PermissionError', 'EACCES'],
  // The kernel refuses it (a read-only bind mount): EROFS, which CPython raises as plain OSError.
  native: ['OSError', 'EROFS'],
}

for (const runtime of RUNTIMES) {
  describe(`results of a run (${runtime})`, { timeout: TEST_TIMEOUT_MS * 2 }, () => {
    it('returns the last expression as JSON, with its repr', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const result = await run('x = 6 * 7\nx', { runtime })
      assert.equal(result.status, 'ok')
      assert.equal(result.exitCode, 0)
      assert.equal(result.value, 42)
      assert.equal(result.valueRepr, '42')
      assert.equal(result.runtime, runtime)
      // The tests run where every layer is available (see README, "What the tests need").
      assert.deepEqual(result.isolation, EXPECTED_LAYERS[runtime])
    })

    it('keeps state across runs of one sandbox and shapes every kind of ending', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })

      await t.test('values: JSON when representable, repr otherwise', async () => {
        const data = await sandbox.run('data = {"a": [1, 2.5, None, True], "b": (1, "é")}\ndata')
        assert.deepEqual(data.value, { a: [1, 2.5, null, true], b: [1, 'é'] })
        const object = await sandbox.run(
          'class Point:\n    def __repr__(self): return "Point()"\nPoint()',
        )
        assert.equal(object.value, null)
        assert.equal(object.valueRepr, 'Point()')
        const nan = await sandbox.run('float("nan")')
        assert.equal(nan.value, null)
        assert.equal(nan.valueRepr, 'nan')
        const none = await sandbox.run('x = 1')
        assert.equal(none.value, null)
        assert.equal(none.valueRepr, null)
        assert.equal((await sandbox.run('data["a"][1]')).value, 2.5)
      })

      await t.test(
        'an uncaught exception: status error, exit code 1, the user file and line',
        async () => {
          const result = await sandbox.run('def f():\n    return 1 / 0\n\nf()\n', {
            filename: 'grader.py',
          })
          assert.equal(result.status, 'error')
          assert.equal(result.exitCode, 1)
          assert.equal(result.error?.type, 'ZeroDivisionError')
          assert.equal(result.error?.message, 'division by zero')
          const traceback = result.error?.traceback ?? ''
          assert.match(traceback, /File "grader.py", line 4, in <module>/)
          assert.match(traceback, /File "grader.py", line 2, in f\n\s+return 1 \/ 0/)
          assert.doesNotMatch(traceback, /pyward-driver|native_main|_pyodide|python3\d+\.zip/)
          assert.equal(sandbox.closed, false, 'an exception leaves the sandbox usable')
          assert.deepEqual((await sandbox.run('data["b"]')).value, [1, 'é'], 'with its state')
        },
      )

      await t.test('a syntax error names the file and line', async () => {
        const result = await sandbox.run('x = 1\nif x\n', { filename: 'bad.py' })
        assert.equal(result.status, 'error')
        assert.equal(result.error?.type, 'SyntaxError')
        assert.match(result.error?.traceback ?? '', /File "bad.py", line 2/)
      })

      await t.test('sys.exit(n) gives exit code n; sys.exit(0) is ok', async () => {
        const three = await sandbox.run('import sys\nsys.exit(3)')
        assert.deepEqual(
          [three.status, three.exitCode, three.error?.type],
          ['error', 3, 'SystemExit'],
        )
        const zero = await sandbox.run('import sys\nsys.exit()')
        assert.deepEqual([zero.status, zero.exitCode, zero.error], ['ok', 0, null])
        const text = await sandbox.run('raise SystemExit("bye")')
        assert.deepEqual([text.exitCode, text.stderr], [1, 'bye\n'])
      })

      await t.test('stdout and stderr are captured apart and streamed as written', async () => {
        const chunks: string[] = []
        const errors: string[] = []
        const result = await sandbox.run(
          'import sys\nprint("out")\nprint("err", file=sys.stderr)\nprint("more", end="")',
          {
            onStdout: (text) => chunks.push(text),
            onStderr: (text) => errors.push(text),
          },
        )
        assert.equal(result.stdout, 'out\nmore')
        assert.equal(result.stderr, 'err\n')
        assert.equal(chunks.join(''), 'out\nmore')
        assert.equal(errors.join(''), 'err\n')
      })

      await t.test('output reaches the host while the program still runs', async () => {
        // The program waits for a file the host creates only once it has seen the first line: held
        // back in the sandbox, the line would never come and the run would time out.
        const signals = mkdtempSync(join(tmpdir(), 'pyward-stream-'))
        chmodSync(signals, 0o755)
        const streaming = await Sandbox.create({ runtime, mounts: [{ hostPath: signals }] })
        try {
          const seen: string[] = []
          const result = await streaming.run(
            [
              'import os, sys, time',
              'for i in range(50): print("noise", i)',
              'print("ready")',
              'print("to stderr", file=sys.stderr)',
              `while not os.path.exists("/mnt/${basename(signals)}/go"): time.sleep(0.02)`,
              'print("done")',
            ].join('\n'),
            {
              timeoutMs: 10_000,
              onStdout: (text) => {
                seen.push(text)
                if (seen.join('').includes('ready\n')) writeFileSync(join(signals, 'go'), '')
              },
            },
          )
          assert.equal(result.status, 'ok', result.stderr)
          assert.match(result.stdout, /noise 49\nready\ndone\n$/)
          assert.equal(result.stderr, 'to stderr\n')
        } finally {
          await streaming.close()
        }
      })

      await t.test('a throwing output callback fails the call, not the sandbox', async () => {
        await assert.rejects(
          sandbox.run('print("x")', {
            onStdout: () => {
              throw new Error('callback broke')
            },
          }),
          /callback broke/,
        )
        assert.equal(sandbox.closed, false)
        assert.equal((await sandbox.run('2 + 2')).value, 4)
      })

      await t.test('stdin is the bytes given to the run, never the host stdin', async () => {
        const result = await sandbox.run('import sys\nsys.stdin.read()', {
          stdin: 'line one\nline two\n',
        })
        assert.equal(result.value, 'line one\nline two\n')
        const empty = await sandbox.run('input()')
        assert.equal(empty.error?.type, 'EOFError')
      })

      await t.test('call() passes JSON copies in and returns JSON', async () => {
        await sandbox.run('def add(a, b):\n    a.append("mutated")\n    return {"sum": len(a) + b}')
        const args = [[1, 2], 10]
        const result = await sandbox.call('add', args)
        assert.deepEqual(result.value, { sum: 13 })
        assert.deepEqual(args, [[1, 2], 10], 'the host arguments are untouched')
        const missing = await sandbox.call('nope')
        assert.equal(missing.error?.type, 'NameError')
        await assert.rejects(
          sandbox.call('add', [1n]),
          (error: SandboxError) => error.code === 'INVALID_OPTIONS',
        )
        await assert.rejects(sandbox.call('os.system', []), /Python identifier/)
      })

      await t.test('top-level await works and its value is returned', async () => {
        const result = await sandbox.run('import asyncio\nawait asyncio.sleep(0.01)\n"done"')
        assert.deepEqual([result.status, result.value], ['ok', 'done'])
        await sandbox.run('async def twice(x):\n    await asyncio.sleep(0)\n    return 2 * x')
        assert.equal((await sandbox.call('twice', [21])).value, 42)
      })

      await t.test('the environment is exactly what the policy grants', async () => {
        const result = await sandbox.run('import os\ndict(os.environ)')
        assert.deepEqual(result.value, {})
      })
    })

    it('ends a run at exit(n), the builtin scripts call, and gives the next run its stdin', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
      const four = await sandbox.run('exit(4)')
      assert.deepEqual([four.status, four.exitCode, four.error?.type], ['error', 4, 'SystemExit'])
      const quit = await sandbox.run('quit()')
      assert.deepEqual([quit.status, quit.exitCode], ['ok', 0])
      const next = await sandbox.run('input()', { stdin: 'still here\n' })
      assert.deepEqual([next.status, next.value], ['ok', 'still here'])
    })

    it('grants env, files, mounts and a recursion limit from the policy', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'pyward-mount-'))
      // Readable by all, as a mount must be for a sandbox on a root host to run as a uid of its own.
      chmodSync(dir, 0o755)
      writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n')
      const sandbox = await openSandbox(t, {
        runtime,
        env: { GREETING: 'hi' },
        files: { 'input/numbers.txt': '1 2 3' },
        mounts: [{ hostPath: dir, sandboxPath: '/mnt/data' }],
        recursionLimit: 120,
      })
      const result = await sandbox.run(
        [
          'import os, sys',
          'numbers = open("input/numbers.txt").read()',
          'csv = open("/mnt/data/data.csv").read()',
          '[os.environ["GREETING"], os.getcwd(), numbers, csv, sys.getrecursionlimit()]',
        ].join('\n'),
      )
      assert.deepEqual(result.value, ['hi', '/sandbox', '1 2 3', 'a,b\n1,2\n', 120])
      const write = await sandbox.run(
        [
          'import errno',
          'try:',
          '    open("/mnt/data/new.txt", "w").write("x")',
          'except OSError as error:',
          '    refused = [type(error).__name__, errno.errorcode[error.errno]]',
          'refused',
        ].join('\n'),
      )
      assert.deepEqual(write.value, READ_ONLY_WRITE[runtime])
      const deep = await sandbox.run('def f(n): return f(n + 1)\nf(0)')
      assert.equal(deep.error?.type, 'RecursionError')
    })

    it('moves files in and out of the scratch dir, and never follows symlinks out', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime })
      await sandbox.writeFile('in/data.bin', new Uint8Array([0, 1, 2, 255]))
      const result = await sandbox.run(
        'data = open("in/data.bin", "rb").read()\nopen("out.txt", "w").write(str(list(data)))',
      )
      assert.equal(result.status, 'ok')
      assert.equal(new TextDecoder().decode(await sandbox.readFile('out.txt')), '[0, 1, 2, 255]')
      await sandbox.run('import os\nos.symlink("/lib", "link")')
      await assert.rejects(
        sandbox.readFile('link'),
        (error: SandboxError) => error.code === 'FILE_NOT_FOUND',
      )
      await assert.rejects(
        sandbox.readFile('missing.txt'),
        (error: SandboxError) => error.code === 'FILE_NOT_FOUND',
      )
      await assert.rejects(
        sandbox.readFile('../lib/python3.14'),
        (error: SandboxError) => error.code === 'INVALID_OPTIONS',
      )
      const entries = await sandbox.listFiles()
      assert.deepEqual(entries.map((entry) => `${entry.type}:${entry.path}`).sort(), [
        'directory:in',
        'file:in/data.bin',
        'file:out.txt',
        'other:link',
      ])
    })

    it('closes idempotently, then refuses every request with SANDBOX_CLOSED', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const sandbox = await Sandbox.create({ runtime })
      await sandbox.run('kept = 1')
      await sandbox.close()
      await sandbox.close()
      await sandbox[Symbol.asyncDispose]()
      assert.equal(sandbox.closed, true)
      const closed = (error: SandboxError) => error.code === 'SANDBOX_CLOSED'
      await assert.rejects(sandbox.run('kept'), closed)
      await assert.rejects(sandbox.call('print'), closed)
      await assert.rejects(sandbox.writeFile('a.txt', 'a'), closed)
      await assert.rejects(sandbox.readFile('a.txt'), closed)
      await assert.rejects(sandbox.listFiles(), closed)
    })

    it('carries one write larger than a protocol frame whole', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      // 49 MiB in one write: past the 48 MiB a frame may hold, within a 64 MiB output cap.
      const result = await run('import sys\nsys.stdout.write("x" * 49 * 2**20)', {
        runtime,
        maxOutputBytes: 64 * 2 ** 20,
        memoryMb: 1024,
        timeoutMs: 30_000,
      })
      assert.equal(result.status, 'ok', result.error?.message)
      assert.equal(result.stdout.length, 49 * 2 ** 20)
      assert.equal(result.stdoutTruncated, false)
    })

    it('keeps output written by several threads at once whole', {
      timeout: TEST_TIMEOUT_MS,
      skip: runtime === 'pyodide' ? 'Pyodide has no threads' : false,
    }, async () => {
      const result = await run(
        [
          'import sys, threading',
          'def noise():',
          '    for _ in range(40): sys.stderr.write("e" * 100_000)',
          'threads = [threading.Thread(target=noise) for _ in range(2)]',
          'for thread in threads: thread.start()',
          'for _ in range(40): sys.stdout.write("o" * 100_000)',
          'for thread in threads: thread.join()',
        ].join('\n'),
        { runtime, maxOutputBytes: 16 * 2 ** 20, timeoutMs: 30_000 },
      )
      assert.equal(result.status, 'ok', result.error?.message)
      assert.equal(result.stdout, 'o'.repeat(4_000_000))
      assert.equal(result.stderr, 'e'.repeat(8_000_000))
    })

    it('holds an exception of any size to maxValueBytes, and still reports it as error', async () => {
      const result = await run('class Huge(Exception):\n    pass\nraise Huge("x" * 3_000_000)', {
        runtime,
        maxValueBytes: 1024,
      })
      assert.equal(result.status, 'error')
      assert.equal(result.error?.type, 'Huge')
      assert.ok(Buffer.byteLength(result.error?.message ?? '') <= 1024)
      assert.ok(Buffer.byteLength(result.error?.traceback ?? '') <= 1024)
    })

    it('rejects bad options before starting anything', async () => {
      await assert.rejects(run('1', { runtime, timeoutMs: -5 }), (error: SandboxError) => {
        assert.equal(error.code, 'INVALID_OPTIONS')
        assert.match(error.message, /timeoutMs: .*\(received -5\)/)
        return true
      })
    })
  })
}
