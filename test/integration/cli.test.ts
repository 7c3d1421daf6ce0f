import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pyward } from '../helpers/pyward-cli.ts'
import { numpyPython, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

describe('the pyward command', { timeout: TEST_TIMEOUT_MS * 6 }, () => {
  it('runs the quick start example', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ran = await pyward(['run', 'examples/hello.py'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.match(ran.stdout, /^Hello from a sandbox!\n/)
  })

  it('prints the whole result with --json, the last expression as its value', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const ran = await pyward(['run', '--json', '-c', 'x = 6*7\nx'])
    assert.equal(ran.code, 0)
    const result = JSON.parse(ran.stdout)
    assert.equal(result.status, 'ok')
    assert.equal(result.value, 42)
    assert.deepEqual(Object.keys(result), [
      'status',
      'exitCode',
      'stdout',
      'stderr',
      'stdoutTruncated',
      'stderrTruncated',
      'value',
      'valueRepr',
      'error',
      'usage',
      'runtime',
      'isolation',
    ])
  })

  it('relays an uncaught exception as python3 does: traceback on stderr, exit 1', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-cli-'))
    const script = join(dir, 'broken.py')
    writeFileSync(script, 'print("start")\nraise ValueError("bad input")\n')
    const ran = await pyward(['run', script])
    assert.equal(ran.code, 1)
    assert.equal(ran.stdout, 'start\n')
    assert.match(ran.stderr, new RegExp(`File "${script}", line 2, in <module>`))
    assert.match(ran.stderr, /ValueError: bad input/)
    const json = JSON.parse((await pyward(['run', '--json', script])).stdout)
    assert.equal(json.error.type, 'ValueError')
    assert.match(json.error.traceback, /line 2/)
  })

  it('exits 124 on a timeout, 123 past the output limit, and n for sys.exit(n)', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [timeout, output, exit] = await Promise.all([
      pyward(['run', '--timeout', '0.5', '-c', 'while True: pass']),
      pyward(['run', '--max-output', '100', '-c', 'while True: print("x")']),
      pyward(['run', '-c', 'import sys; sys.exit(5)']),
    ])
    assert.equal(timeout.code, 124)
    assert.match(timeout.stderr, /pyward: the run passed its time limit/)
    assert.equal(output.code, 123)
    assert.ok(output.stdout.length <= 100)
    assert.equal(exit.code, 5)
  })

  it('grants stdin, environment variables, files and mounts from flags', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-cli-'))
    writeFileSync(join(dir, 'shared.txt'), 'mounted')
    writeFileSync(join(dir, 'input.txt'), 'copied')
    const code = [
      'import os, sys',
      'print(sys.stdin.read().strip(), os.environ["MODE"], open("in.txt").read(), open("/mnt/shared/shared.txt").read())',
    ].join('\n')
    const ran = await pyward(
      [
        'run',
        '--stdin',
        '-',
        '--env',
        'MODE=test',
        '--file',
        `${join(dir, 'input.txt')}:in.txt`,
        '--mount',
        `${dir}:/mnt/shared`,
        '-c',
        code,
      ],
      'piped\n',
    )
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'piped test copied mounted\n')
  })

  it('rejects bad flags before starting anything, naming the flag and the value', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [timeout, memory, nothing] = await Promise.all([
      pyward(['run', '--timeout', 'soon', '-c', '1']),
      pyward(['run', '--memory', '1', '-c', '1']),
      pyward(['run']),
    ])
    assert.equal(timeout.code, 2)
    assert.match(timeout.stderr, /--timeout: must be a number \(received "soon"\)/)
    assert.equal(memory.code, 2)
    assert.match(
      memory.stderr,
      /--memory: must be a whole number of MiB from 64 to 4095 \(received 1\)/,
    )
    assert.equal(nothing.code, 2)
    assert.match(nothing.stderr, /Nothing to run/)
  })

  it('refuses the native runtime without confinement, and native flags without it', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [unconfined, python, sitePackages] = await Promise.all([
      pyward(['run', '--runtime', 'native', '--isolation', 'none', '-c', 'print(1)']),
      pyward(['run', '--python', '/usr/bin/python3', '-c', 'print(1)']),
      pyward(['run', '--site-packages', '/tmp', '-c', 'print(1)']),
    ])
    for (const [ran, flag] of [
      [unconfined, '--isolation'],
      [python, '--python'],
      [sitePackages, '--site-packages'],
    ] as const) {
      assert.equal(ran.code, 2, `${flag}: ${ran.stderr}`)
      assert.equal(ran.stdout, '', 'nothing ran')
      assert.match(ran.stderr, new RegExp(`^  ${flag}: `, 'm'))
    }
    assert.match(unconfined.stderr, /native runtime runs only inside every OS layer/)
    assert.match(python.stderr, /applies to the native runtime only/)
    assert.match(python.stderr, /received "\/usr\/bin\/python3"/)
  })

  it('runs numpy with --runtime native and prints what it computes', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // Debian's python3 with python3-numpy (.ci/run installs both) when it has numpy, else the
    // python3 on the PATH.
    const python = numpyPython()
    const code = [
      'import numpy as np',
      'a = np.array([[3.0, 1.0], [1.0, 2.0]])',
      'x = np.linalg.solve(a, np.array([9.0, 8.0]))',
      'print(*x.round(6), round(float(np.linalg.det(a)), 6))',
    ].join('\n')
    const ran = await pyward([
      'run',
      '--runtime',
      'native',
      ...(python === undefined ? [] : ['--python', python]),
      '-c',
      code,
    ])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, '2.0 3.0 5.0\n')
  })

  it('lists every option with its default in --help', { timeout: TEST_TIMEOUT_MS }, async () => {
    const top = await pyward(['--help'])
    assert.match(top.stdout, /run \[options\] \[file\]/)
    assert.match(top.stdout, /repl/)
    const help = (await pyward(['run', '--help'])).stdout
    for (const pattern of [
      /--timeout <seconds>.*\(default: 5 s\)/s,
      /--memory <MB>.*\(default: 200 MB\)/s,
      /--max-output <bytes>.*\(default: 65536 bytes\)/s,
      /--stdin/,
      /--mount .*\(default: none\)/s,
      /--env .*\(default: none\)/s,
      /--file .*\(default: none\)/s,
      /--json/,
    ]) {
      assert.match(help, pattern)
    }
  })

  it('keeps state across entries in the repl', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ran = await pyward(
      ['repl'],
      'x = 2\ndef double(n):\n    return n * x\n\ndouble(21)\nprint("shown")\n',
    )
    assert.equal(ran.code, 0, ran.stderr)
    assert.match(ran.stdout, /^42$/m)
    assert.match(ran.stdout, /^shown$/m)
  })
})
