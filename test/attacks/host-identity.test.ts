/**
 * Who a sandbox is on the host. Inside, it is uid 65534 whatever happens; but the kernel checks
 * files by the host uid that maps to, and procfs by uid alone. Judged from the host: which uid
 * the sandbox's process has, and whether a confined program (with the whole realm) can write the
 * kernel's settings or read root-only kernel files.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { Sandbox } from '../../src/index.ts'
import {
  readableBy,
  SANDBOX_UID_BASE,
  SANDBOX_UID_COUNT,
} from '../../src/isolation/sandbox-user.ts'
import { locateRuntimeFiles } from '../../src/runtimes/pyodide/runtime-files.ts'
import { runConfinedProgram } from '../helpers/confined-program.ts'
import { findSandboxPids } from '../helpers/sandbox-processes.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const ROOT = process.getuid?.() === 0
const files = locateRuntimeFiles()
/** Bubblewrap binds as the user it runs as: nobody must reach pyward's and Pyodide's files. */
const NOBODY_CAN_READ = [
  process.execPath,
  files.pyodideDir,
  files.distDir,
  files.packageJson,
].every((path) => readableBy(path, { uid: SANDBOX_UID_BASE, gid: SANDBOX_UID_BASE }))

const PROBE = `
const fs = require('fs')
const out = {}
for (const path of ['/proc/sys/kernel/core_pattern', '/proc/sys/vm/drop_caches', '/proc/sysrq-trigger']) {
  try { fs.closeSync(fs.openSync(path, 'w')); out[path] = 'writable' } catch (e) { out[path] = e.code }
}
for (const path of ['/proc/kpageflags', '/proc/slabinfo', '/proc/timer_list', '/proc/kallsyms']) {
  try { out[path] = 'read ' + fs.readFileSync(path).length } catch (e) { out[path] = e.code }
}
process.stdout.write(JSON.stringify(out))
`

describe('who the sandbox is on the host', () => {
  it('runs each sandbox as a host uid of its own when the host is root', {
    skip: !ROOT
      ? 'the host is not root: sandboxes run as its own user'
      : !NOBODY_CAN_READ
        ? 'an unprivileged uid cannot read this checkout: sandboxes run as root here (see docs/isolation.md)'
        : false,
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    // Confined, and also unconfined, where the process is all there is around the guest. Two
    // at once, to see that they do not share a uid (the kernel counts some resources per uid).
    for (const isolation of ['strict', 'none'] as const) {
      const sandboxes = [await Sandbox.create({ isolation }), await Sandbox.create({ isolation })]
      t.after(() => Promise.all(sandboxes.map((sandbox) => sandbox.close())))
      const uids = findSandboxPids().map((pid) => {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8')
        const [real, effective, saved, fs] = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/)
        assert.ok(real === effective && real === saved && real === fs, `${isolation}: ${status}`)
        assert.equal(/^Gid:\s+(\d+)/m.exec(status)?.[1], real, 'gid of the same number')
        assert.match(status, /^Groups:\s*$/m, 'no supplementary groups')
        return Number(real)
      })
      assert.equal(uids.length, 2)
      for (const uid of uids) {
        assert.ok(uid >= SANDBOX_UID_BASE && uid < SANDBOX_UID_BASE + SANDBOX_UID_COUNT, `${uid}`)
      }
      assert.notEqual(uids[0], uids[1], `${isolation}: two sandboxes share a host uid`)
      await Promise.all(sandboxes.map((sandbox) => sandbox.close()))
    }
  })

  it("cannot write the kernel's settings or read root-only kernel files", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const exit = await runConfinedProgram({
      executable: process.execPath,
      args: ['-e', PROBE],
      binds: [],
      timeoutMs: 20_000,
    })
    assert.equal(exit.code, 0, exit.stderr)
    const seen = JSON.parse(exit.stdout) as Record<string, string>
    for (const [path, outcome] of Object.entries(seen)) {
      assert.ok(
        !outcome.startsWith('writable') && !outcome.startsWith('read '),
        `${path}: ${outcome}`,
      )
    }
  })
})
