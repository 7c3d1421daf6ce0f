/**
 * The host's side must not become the hole (the Judge0 escapes came from a host that followed a
 * symlink planted in the box): files go out of a sandbox only through the protocol, read by the
 * sandbox in its own file system, so no host path is opened, followed or deleted on the guest's
 * say-so, under each runtime (each serves file requests from inside, with code of its own).
 * Judged by the host: the canary's content never comes back, and it stays unchanged.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SandboxError } from '../../src/index.ts'
import { type HostWatch, watchHost } from '../helpers/host-watch.ts'
import { openSandbox, RUNTIMES, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

for (const runtime of RUNTIMES) {
  describe(`the host side of files (${runtime})`, () => {
    let host: HostWatch
    before(async () => {
      host = await watchHost()
    })
    after(() => host.close())

    it('never follows a guest symlink or .. to a host path', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, mounts: [host.mount] })
      const canary = JSON.stringify(host.params.canaryPath)
      const planted = await sandbox.run(
        [
          'import os',
          `os.symlink(${canary}, "/sandbox/to-canary")`,
          `os.symlink(${JSON.stringify(host.params.canaryDir)}, "/sandbox/to-dir")`,
          'os.mkdir("/sandbox/dev")',
          'sorted(os.listdir("/sandbox"))',
        ].join('\n'),
      )
      assert.equal(planted.status, 'ok', planted.error?.traceback)
      for (const path of [
        'to-canary',
        'to-dir/canary.txt',
        `../../..${host.params.canaryPath}`,
        host.params.canaryPath,
        '/proc/self/environ',
        '/dev/zero',
      ]) {
        const outcome = await sandbox.readFile(path).then(
          (data) => `read ${Buffer.from(data).toString('utf8').slice(0, 200)}`,
          (error: unknown) => `refused ${error instanceof SandboxError ? error.code : error}`,
        )
        assert.match(outcome, /^refused /, `${path}: ${outcome}`)
      }
      const listed = JSON.stringify(await sandbox.listFiles())
      const final = await sandbox.run('1')
      host.assertUntouched({ ...final, stdout: listed })
      assert.equal(sandbox.closed, false)
    })

    it('a write through a planted symlink stays in the sandbox', {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const sandbox = await openSandbox(t, { runtime, mounts: [host.mount] })
      const planted = await sandbox.run(
        `import os\nos.symlink(${JSON.stringify(host.params.markerPath)}, "/sandbox/out")`,
      )
      assert.equal(planted.status, 'ok', planted.error?.traceback)
      await sandbox
        .writeFile('out', new TextEncoder().encode('written by the host'))
        .catch(() => {})
      host.assertUntouched(await sandbox.run('1'))
    })
  })
}
