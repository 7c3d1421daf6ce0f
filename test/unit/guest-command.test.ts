import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildGuestArgs } from '../../src/runtimes/pyodide/guest-command.ts'

const files = {
  pyodideDir: '/opt/pyodide',
  distDir: '/opt/pyward/dist',
  guestEntry: '/opt/pyward/dist/guest/main.js',
}

describe('buildGuestArgs', () => {
  it('grants reads of the runtime and the mounts only, and nothing else', () => {
    const args = buildGuestArgs({
      files,
      mounts: [
        { hostPath: '/data', sandboxPath: '/mnt/data', kind: 'directory' },
        { hostPath: '/etc/one.txt', sandboxPath: '/mnt/one.txt', kind: 'file' },
      ],
      memoryMb: 200,
      permissionFlag: '--experimental-permission',
    })
    assert.equal(args[0], '--experimental-permission')
    assert.deepEqual(
      args.filter((arg) => arg.startsWith('--allow-')),
      [
        '--allow-fs-read=/opt/pyodide/',
        '--allow-fs-read=/opt/pyward/dist/',
        '--allow-fs-read=/data/',
        '--allow-fs-read=/etc/one.txt',
      ],
    )
    assert.ok(args.includes('--disallow-code-generation-from-strings'))
    assert.deepEqual(args.slice(-2), [files.guestEntry, files.pyodideDir])
  })

  it('bounds the JavaScript heap', () => {
    const args = buildGuestArgs({
      files,
      mounts: [],
      memoryMb: 1024,
      permissionFlag: '--permission',
    })
    assert.ok(args.includes('--max-old-space-size=1024'))
  })
})
