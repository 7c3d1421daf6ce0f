import assert from 'node:assert/strict'
import { mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { InvalidOptionsError } from '../../src/errors.ts'
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_MS,
} from '../../src/policy/limits.ts'
import { resolvePolicy } from '../../src/policy/resolve-policy.ts'

function rejection(options: unknown): InvalidOptionsError {
  try {
    resolvePolicy(options as never)
  } catch (error) {
    assert.ok(error instanceof InvalidOptionsError, `expected InvalidOptionsError, got ${error}`)
    assert.equal(error.code, 'INVALID_OPTIONS')
    return error
  }
  assert.fail('the options were accepted')
}

describe('resolvePolicy', () => {
  it('fills in the documented defaults: deny everything but the limits', () => {
    const policy = resolvePolicy()
    assert.equal(policy.runtime, 'pyodide')
    assert.equal(policy.timeoutMs, DEFAULT_TIMEOUT_MS)
    assert.equal(policy.memoryMb, DEFAULT_MEMORY_MB)
    assert.equal(policy.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES)
    assert.deepEqual(policy.env, {})
    assert.deepEqual(policy.mounts, [])
    assert.deepEqual(policy.files, [])
    assert.equal(policy.stdin.byteLength, 0)
    assert.equal(policy.recursionLimit, null)
  })

  it('names the option and the value received for each bad value', () => {
    const error = rejection({ timeoutMs: 0, memoryMb: 10_000, maxOutputBytes: -1 })
    const paths = error.issues.map((issue) => issue.path).sort()
    assert.deepEqual(paths, ['maxOutputBytes', 'memoryMb', 'timeoutMs'])
    const timeout = error.issues.find((issue) => issue.path === 'timeoutMs')
    assert.match(
      timeout?.message ?? '',
      /whole number of milliseconds from 1 to \d+ \(received 0\)/,
    )
    assert.match(
      error.message,
      /memoryMb: must be a whole number of MiB from 64 to 4095 \(received 10000\)/,
    )
  })

  it('rejects unknown options, pointing at the spelling', () => {
    const error = rejection({ timeout: 5 })
    assert.match(error.message, /unknown option "timeout": check its spelling/)
  })

  it('rejects non-integer and non-number limits', () => {
    assert.equal(rejection({ timeoutMs: 1.5 }).issues[0]?.path, 'timeoutMs')
    assert.equal(rejection({ memoryMb: '200' }).issues[0]?.path, 'memoryMb')
  })

  it('turns string stdin and files into UTF-8 bytes and places files in the scratch dir', () => {
    const policy = resolvePolicy({
      stdin: 'é',
      files: { 'data/in.txt': 'x', '/sandbox/abs.txt': new Uint8Array([1]) },
    })
    assert.deepEqual([...policy.stdin], [0xc3, 0xa9])
    assert.deepEqual(
      policy.files.map((file) => file.path),
      ['/sandbox/data/in.txt', '/sandbox/abs.txt'],
    )
  })

  it('refuses files outside the scratch dir', () => {
    for (const path of ['../escape.txt', '/etc/passwd', 'a/../../b', '']) {
      const error = rejection({ files: { [path]: 'x' } })
      assert.match(error.message, /scratch dir|non-empty/, path)
    }
  })

  it('refuses environment names with "=" and values that are not strings', () => {
    assert.match(rejection({ env: { 'A=B': 'x' } }).message, /without "="/)
    assert.match(rejection({ env: { A: 1 } }).message, /values must be strings/)
  })

  it('makes mount host paths real and gives them a default sandbox path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-policy-'))
    const link = join(dir, 'link')
    symlinkSync(dir, link)
    const policy = resolvePolicy({ mounts: [{ hostPath: link }] })
    assert.equal(policy.mounts[0]?.hostPath, realpathSync(dir))
    assert.equal(policy.mounts[0]?.kind, 'directory')
    assert.match(policy.mounts[0]?.sandboxPath ?? '', /^\/mnt\/pyward-policy-/)
  })

  it('refuses missing, relative and clashing mounts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-policy-'))
    writeFileSync(join(dir, 'f'), 'x')
    assert.match(rejection({ mounts: [{ hostPath: join(dir, 'missing') }] }).message, /ENOENT/)
    assert.match(
      rejection({ mounts: [{ hostPath: 'relative/path' }] }).message,
      /absolute host path/,
    )
    assert.match(
      rejection({ mounts: [{ hostPath: dir, sandboxPath: '/lib/x' }] }).message,
      /clashes with \/lib/,
    )
    assert.match(
      rejection({ mounts: [{ hostPath: dir, sandboxPath: '/mnt/a/../b' }] }).message,
      /normalized/,
    )
    const clash = rejection({
      mounts: [
        { hostPath: dir, sandboxPath: '/mnt/a' },
        { hostPath: join(dir, 'f'), sandboxPath: '/mnt/a/f' },
      ],
    })
    assert.match(clash.message, /overlaps mounts\.0/)
  })

  it('takes the native runtime with its interpreter and site-packages, made real', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pyward-site-')))
    const python = join(dir, 'python')
    writeFileSync(python, '')
    symlinkSync(dir, join(dir, 'link'))
    const policy = resolvePolicy({
      runtime: 'native',
      python,
      sitePackages: [join(dir, 'link')],
    })
    assert.equal(policy.runtime, 'native')
    assert.equal(policy.python, python)
    assert.deepEqual(policy.sitePackages, [dir])
    assert.equal(resolvePolicy({ runtime: 'native' }).python, null)
    assert.equal(resolvePolicy({ runtime: 'native' }).sitePackages, null)
  })

  it('refuses the native runtime without OS confinement, and native options without it', () => {
    const none = rejection({ runtime: 'native', isolation: 'none' })
    assert.equal(none.issues[0]?.path, 'isolation')
    assert.match(none.message, /only inside every OS layer.*\(received "none"\)/)
    const stray = rejection({ python: '/usr/bin/python3', sitePackages: [] })
    assert.deepEqual(stray.issues.map((issue) => issue.path).sort(), ['python', 'sitePackages'])
    assert.match(stray.message, /applies to the native runtime only/)
    assert.match(rejection({ runtime: 'wasm' }).message, /must be "pyodide" or "native"/)
  })

  it('refuses a relative or missing interpreter and site-packages that are not directories', () => {
    const error = rejection({
      runtime: 'native',
      python: 'python3',
      sitePackages: ['/no/such/dir', '/etc/hostname'],
    })
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ['python', 'sitePackages.0', 'sitePackages.1'],
    )
    assert.match(error.message, /python: must be an absolute host path/)
    assert.match(error.message, /sitePackages.1: "\/etc\/hostname" is not a directory/)
  })

  it('refuses mounts over the places the runtimes need', () => {
    for (const sandboxPath of ['/usr/local', '/opt/site-packages/x', '/opt', '/lib64']) {
      const error = rejection({ mounts: [{ hostPath: '/etc', sandboxPath }] })
      assert.match(error.message, /clashes with/, sandboxPath)
    }
  })
})
