/**
 * Who a sandbox is on the host, whatever its runtime. Inside, it is uid 65534 whatever happens;
 * but the kernel checks files by the host uid that maps to, and procfs by uid alone. Judged from the host: which uid
 * the sandbox's process has, and whether a confined program (with the whole realm) can write the
 * kernel's settings or read root-only kernel files.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { type IsolationMode, Sandbox, type SandboxOptions } from '../../src/index.ts'
import {
  readableBy,
  SANDBOX_UID_BASE,
  SANDBOX_UID_COUNT,
} from '../../src/isolation/sandbox-user.ts'
import { findPythonLayout } from '../../src/runtimes/native/python-layout.ts'
import { locateRuntimeFiles } from '../../src/runtimes/pyodide/runtime-files.ts'
import { findInterpreterPids } from '../helpers/attack-processes.ts'
import { runConfinedProgram } from '../helpers/confined-program.ts'
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

/**
 * The native runtime's interpreter for this test: Debian's, whose files any user can read (a
 * version manager's under /root is not, and a sandbox that cannot read what is bound in runs as
 * root: see docs/isolation.md).
 */
const NATIVE_PYTHON = '/usr/bin/python3'
const NATIVE_LAYOUT = await findPythonLayout(NATIVE_PYTHON).catch(() => null)
const NOBODY_CAN_READ_NATIVE =
  NATIVE_LAYOUT !== null &&
  // (pyward's guest reaches a native sandbox compiled, from a directory of the host process's own.)
  [NATIVE_LAYOUT.executable, NATIVE_LAYOUT.stdlib].every((path) =>
    readableBy(path, { uid: SANDBOX_UID_BASE, gid: SANDBOX_UID_BASE }),
  )

/** Per runtime: the options of its sandboxes here, the isolation modes it runs under, and why not. */
const RUNTIME_CASES = [
  {
    options: { runtime: 'pyodide' },
    isolations: ['strict', 'none'],
    unreadable: !NOBODY_CAN_READ,
  },
  {
    // A native sandbox always runs confined.
    options: { runtime: 'native', python: NATIVE_PYTHON },
    isolations: ['strict'],
    unreadable: !NOBODY_CAN_READ_NATIVE,
  },
] as const satisfies readonly {
  options: SandboxOptions
  isolations: readonly IsolationMode[]
  unreadable: boolean
}[]

describe('who the sandbox is on the host', () => {
  for (const { options, isolations, unreadable } of RUNTIME_CASES) {
    it(`runs each sandbox as a host uid of its own when the host is root (${options.runtime})`, {
      skip: !ROOT
        ? 'the host is not root: sandboxes run as its own user'
        : unreadable
          ? `an unprivileged uid cannot read this checkout or ${options.runtime}'s files: sandboxes run as root here (see docs/isolation.md)`
          : false,
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      // Confined, and also unconfined (Pyodide), where the process is all there is around the
      // guest. Two at once, to see that they do not share a uid (the kernel counts some resources
      // per uid).
      for (const isolation of isolations) {
        const sandboxes = [
          await Sandbox.create({ ...options, isolation }),
          await Sandbox.create({ ...options, isolation }),
        ]
        t.after(() => Promise.all(sandboxes.map((sandbox) => sandbox.close())))
        const uids = findInterpreterPids().map((pid) => {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8')
          const [real, effective, saved, fs] = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(
            /\s+/,
          )
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
  }

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
