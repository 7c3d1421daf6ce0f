import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  buildGuestArgs,
  buildGuestProgram,
  type GuestCommandOptions,
  hostLayout,
  sandboxLayout,
} from '../../src/runtimes/pyodide/guest-command.ts'

const options: GuestCommandOptions = {
  files: {
    pyodideDir: '/home/alice/app/node_modules/pyodide',
    distDir: '/home/alice/app/node_modules/pyward/dist',
    guestEntry: '/home/alice/app/node_modules/pyward/dist/runtimes/pyodide/guest/main.js',
    packageJson: '/home/alice/app/node_modules/pyward/package.json',
  },
  mounts: [
    { hostPath: '/data', sandboxPath: '/mnt/data', kind: 'directory' },
    { hostPath: '/etc/one.txt', sandboxPath: '/mnt/one.txt', kind: 'file' },
  ],
  memoryMb: 200,
  snapshotFile: null,
  permissionFlag: '--experimental-permission',
}

describe('buildGuestArgs', () => {
  it('grants reads of the runtime and the mounts only, and nothing else', () => {
    const args = buildGuestArgs(options, hostLayout(options))
    assert.equal(args[0], '--experimental-permission')
    assert.deepEqual(
      args.filter((arg) => arg.startsWith('--allow-')),
      [
        `--allow-fs-read=${options.files.pyodideDir}/`,
        `--allow-fs-read=${options.files.distDir}/`,
        '--allow-fs-read=/data/',
        '--allow-fs-read=/etc/one.txt',
      ],
    )
    assert.ok(args.includes('--disallow-code-generation-from-strings'))
    assert.deepEqual(args.slice(-2), [options.files.guestEntry, options.files.pyodideDir])
  })

  it('bounds the JavaScript heap', () => {
    const args = buildGuestArgs({ ...options, memoryMb: 1024 }, hostLayout(options))
    assert.ok(args.includes('--max-old-space-size=1024'))
  })
})

describe('sandboxLayout', () => {
  it('puts the runtime and the mounts at fixed sandbox paths that name nothing of the host', () => {
    const { layout, binds } = sandboxLayout(options)
    assert.deepEqual(layout, {
      pyodideDir: '/opt/pyodide',
      distDir: '/opt/pyward/dist',
      guestEntry: '/opt/pyward/dist/runtimes/pyodide/guest/main.js',
      mountPaths: ['/run/mounts/0', '/run/mounts/1'],
      snapshotPath: null,
    })
    assert.deepEqual(binds, [
      { hostPath: options.files.pyodideDir, sandboxPath: '/opt/pyodide' },
      { hostPath: options.files.distDir, sandboxPath: '/opt/pyward/dist' },
      { hostPath: options.files.packageJson, sandboxPath: '/opt/pyward/package.json' },
      { hostPath: '/data', sandboxPath: '/run/mounts/0' },
      { hostPath: '/etc/one.txt', sandboxPath: '/run/mounts/1' },
    ])
    const args = buildGuestArgs(options, layout)
    assert.ok(!args.some((arg) => arg.includes('/home/alice')))
    assert.ok(args.includes('--allow-fs-read=/run/mounts/0/'))
    assert.ok(args.includes('--allow-fs-read=/run/mounts/1'))
  })

  it('binds the snapshot read-only at a fixed path and grants reading it alone', () => {
    const snapshotFile = '/home/alice/app/node_modules/.cache/pyward/0123.snapshot'
    const withSnapshot = { ...options, snapshotFile }
    const { layout, binds } = sandboxLayout(withSnapshot)
    assert.equal(layout.snapshotPath, '/opt/pyward/pyodide.snapshot')
    assert.deepEqual(binds.at(-1), {
      hostPath: snapshotFile,
      sandboxPath: '/opt/pyward/pyodide.snapshot',
    })
    const args = buildGuestArgs(withSnapshot, layout)
    assert.ok(args.includes('--allow-fs-read=/opt/pyward/pyodide.snapshot'))
    assert.ok(!args.some((arg) => arg.includes('/home/alice')))
    const unconfined = buildGuestArgs(withSnapshot, hostLayout(withSnapshot))
    assert.ok(unconfined.includes(`--allow-fs-read=${snapshotFile}`))
    assert.ok(!unconfined.some((arg) => arg.startsWith('--allow-fs-write')))
  })

  it('gives the confined program a size-capped /tmp and no host environment', () => {
    const program = buildGuestProgram(options, true)
    assert.ok('tmpfs' in program)
    assert.equal(program.tmpfs.length, 1)
    assert.equal(program.tmpfs[0]?.sandboxPath, '/tmp')
    assert.ok((program.tmpfs[0]?.sizeBytes ?? 0) > 0)
    assert.deepEqual(Object.keys(program.env), ['UV_THREADPOOL_SIZE'])
  })
})
