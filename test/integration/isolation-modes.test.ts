/**
 * The isolation modes as a user meets them: `pyward doctor` on this host (where every layer is
 * available: see README, "What the tests need") and on the same host with bubblewrap taken off
 * PATH; `--isolation strict` refusing; `auto` running with a warning and a shorter layer list.
 */
import assert from 'node:assert/strict'
import { chmodSync, copyFileSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { InvalidOptionsError, run } from '../../src/index.ts'
import { OS_LAYERS } from '../../src/isolation/layers.ts'
import { pyward } from '../helpers/pyward-cli.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

/** This host's environment with no bwrap on PATH (node is started by its full path). */
const WITHOUT_BWRAP = { ...process.env, PATH: '/nonexistent' }

interface DoctorReport {
  ok: boolean
  checks: { name: string; ok: boolean; detail: string; fix: string | null }[]
}

describe('isolation modes', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  it('pyward doctor reports every layer ok here, having looked inside', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const ran = await pyward(['doctor', '--json'])
    assert.equal(ran.code, 0, ran.stdout + ran.stderr)
    const report = JSON.parse(ran.stdout) as DoctorReport
    assert.equal(report.ok, true)
    assert.deepEqual(
      report.checks.map((check) => [check.name, check.ok]),
      [
        ['namespaces', true],
        ['seccomp', true],
        ['network', true],
        ['cgroup', true],
        ['rlimits', true],
        ['node-permissions', true],
        ['sandbox', true],
        ['native runtime', true],
      ],
    )
    const detail = (name: string) => report.checks.find((check) => check.name === name)?.detail
    assert.match(detail('seccomp') ?? '', /Seccomp: 2/)
    assert.match(detail('native runtime') ?? '', /a native sandbox \(python3 3\.\d+\.\d+\) started/)
    assert.match(detail('network') ?? '', /saw 0 connection/)
  })

  it('without bwrap, doctor names the missing layers and the fix', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const ran = await pyward(['doctor'], '', WITHOUT_BWRAP)
    assert.equal(ran.code, 1, ran.stderr)
    assert.match(ran.stdout, /MISSING\s+namespaces\s+bwrap was not found on PATH/)
    assert.match(ran.stdout, /fix: install bubblewrap/)
    assert.match(ran.stdout, /MISSING\s+seccomp/)
    // Unconfined, the probe reached the host's listener: the doctor says so.
    assert.match(ran.stdout, /MISSING\s+network .*saw 1 connection/)
    // The native runtime is optional: absent here, and not counted as missing.
    assert.match(
      ran.stdout,
      /absent\s+native runtime\s+The native runtime runs the host's CPython only inside every OS layer/,
    )
  })

  it('on a root host, the native runtime refuses an interpreter only root can read', {
    timeout: TEST_TIMEOUT_MS,
    skip:
      process.getuid?.() !== 0 ? 'only a host run as root would run the sandbox as root' : false,
  }, async () => {
    // A copy of the interpreter in a directory only root can enter: a sandbox uid cannot read it,
    // so the sandbox would run as root, and own the root-owned files it reaches.
    const dir = mkdtempSync(join(tmpdir(), 'pyward-root-only-'))
    try {
      const python = join(dir, 'python3')
      copyFileSync(realpathSync('/usr/bin/python3'), python)
      chmodSync(python, 0o755)
      const ran = await pyward(['run', '--runtime', 'native', '--python', python, '-c', 'print(1)'])
      assert.equal(ran.code, 69, ran.stderr)
      assert.equal(ran.stdout, '')
      assert.match(ran.stderr, /A native sandbox never runs as the host's root/)
      assert.ok(ran.stderr.includes(`${python} is not readable by other users`), ran.stderr)
      assert.match(
        ran.stderr,
        /Fix: give it an interpreter, site-packages and mounts every user can read/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the native runtime refuses to start without every layer, even in auto', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    for (const isolation of ['auto', 'strict']) {
      const ran = await pyward(
        ['run', '--runtime', 'native', '--isolation', isolation, '-c', 'print("ran")'],
        '',
        WITHOUT_BWRAP,
      )
      assert.equal(ran.code, 69, ran.stderr)
      assert.equal(ran.stdout, '')
      assert.match(ran.stderr, /native runtime runs the host's CPython only inside every OS layer/)
      assert.match(
        ran.stderr,
        /- namespaces: bwrap was not found on PATH\. Fix: install bubblewrap/,
      )
    }
  })

  it('--isolation strict refuses to run without bwrap, naming each layer and its fix', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const ran = await pyward(
      ['run', '--isolation', 'strict', '-c', 'print("ran")'],
      '',
      WITHOUT_BWRAP,
    )
    assert.equal(ran.code, 69)
    assert.equal(ran.stdout, '')
    assert.match(ran.stderr, /- namespaces: bwrap was not found on PATH\. Fix: install bubblewrap/)
    assert.match(ran.stderr, /- seccomp: /)
  })

  it('auto runs without bwrap, warns once, and lists only the layers it had', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const ran = await pyward(['run', '--json', '-c', 'print("ran")'], '', WITHOUT_BWRAP)
    assert.equal(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { status: string; isolation: string[] }
    assert.equal(result.status, 'ok')
    assert.deepEqual(result.isolation, [
      'process',
      'cgroup',
      'rlimits',
      'node-permissions',
      'webassembly',
    ])
    assert.equal(ran.stderr.match(/warning: running without namespaces, seccomp/g)?.length, 1)
  })

  it('none is a plain process, chosen explicitly, with no OS layer but rlimits', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const result = await run('print("ran")', { isolation: 'none' })
    assert.equal(result.status, 'ok')
    assert.deepEqual(
      result.isolation.filter((layer) => (OS_LAYERS as readonly string[]).includes(layer)),
      ['rlimits'],
    )
    const ran = await pyward(['run', '--isolation', 'none', '-c', 'print(1)'])
    assert.equal(ran.stderr, '', 'no warning when none was chosen')
  })

  it('rejects an unknown mode, naming the option', async () => {
    await assert.rejects(
      run('1', { isolation: 'off' as never }),
      (error: unknown) =>
        error instanceof InvalidOptionsError &&
        error.issues.some((issue) => issue.path === 'isolation' && /auto/.test(issue.message)),
    )
  })
})
