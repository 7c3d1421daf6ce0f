/**
 * Host-side witnesses for attack tests: an escape is detected by its effect on the host, never by
 * what the attack prints about itself.
 *
 * - a canary file outside every mount, whose secret content must never appear in any output and
 *   whose bytes and mtime must not change;
 * - a marker path the attacks try to create (by writing, or by starting `touch`);
 * - a TCP listener on 127.0.0.1 that must receive no connection;
 * - a directory mounted read-only into the sandbox, with a victim file that must stay as it is;
 * - the runtime's own files, which the sandbox may read and must not change (not even a timestamp);
 * - a secret in this host process's environment, which must never appear in any output;
 * - this process's inspector, which SIGUSR1 (`kill`, `_debugProcess`) would open.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import inspector from 'node:inspector'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunResult } from '../../src/index.ts'
import { locateRuntimeFiles } from '../../src/runtimes/pyodide/runtime-files.ts'

export const HOST_SECRET_ENV = 'PYWARD_TEST_HOST_SECRET'

export interface HostWatch {
  /** What the attack scripts get, in /sandbox/params.json. */
  params: {
    canaryPath: string
    canaryDir: string
    markerPath: string
    markerDir: string
    mountSandboxPath: string
    port: number
    hostPid: number
  }
  /** The read-only mount every attack gets (holding the victim file). */
  mount: { hostPath: string; sandboxPath: string }
  /** Asserts that nothing of the host leaked or changed. */
  assertUntouched(result: RunResult): void
  close(): Promise<void>
}

export async function watchHost(): Promise<HostWatch> {
  const canaryDir = mkdtempSync(join(tmpdir(), 'pyward-canary-'))
  const canaryPath = join(canaryDir, 'canary.txt')
  const canarySecret = `canary-${randomBytes(12).toString('hex')}`
  writeFileSync(canaryPath, canarySecret)
  const canaryStat = statSync(canaryPath)
  const markerDir = mkdtempSync(join(tmpdir(), 'pyward-marker-'))
  const markerPath = join(markerDir, 'escaped')
  const mountDir = mkdtempSync(join(tmpdir(), 'pyward-mounted-'))
  // Readable by every user, as a mount must be for a sandbox on a root host to run as a uid of its
  // own (a native sandbox refuses to run otherwise; a Pyodide one would run as root).
  chmodSync(mountDir, 0o755)
  const victimPath = join(mountDir, 'victim.txt')
  writeFileSync(victimPath, 'must stay', { mode: 0o644 })
  const victimStat = statSync(victimPath)
  const mount = { hostPath: mountDir, sandboxPath: '/mnt/shared' }
  const runtimeFiles = [
    join(locateRuntimeFiles().pyodideDir, 'package.json'),
    locateRuntimeFiles().guestEntry,
  ]
  const runtimeMtimes = runtimeFiles.map((path) => statSync(path).mtimeMs)
  const envSecret = `env-${randomBytes(12).toString('hex')}`
  process.env[HOST_SECRET_ENV] = envSecret

  let connections = 0
  const server: Server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    params: {
      canaryPath,
      canaryDir,
      markerPath,
      markerDir,
      mountSandboxPath: mount.sandboxPath,
      port,
      hostPid: process.pid,
    },
    mount,
    assertUntouched(result) {
      const everything = JSON.stringify(result)
      assert.ok(!everything.includes(canarySecret), 'the canary content leaked into the result')
      assert.ok(!everything.includes(envSecret), 'the host environment leaked into the result')
      assert.equal(readFileSync(canaryPath, 'utf8'), canarySecret, 'the canary changed')
      assert.equal(statSync(canaryPath).mtimeMs, canaryStat.mtimeMs, 'the canary was touched')
      assert.equal(existsSync(markerPath), false, 'the attack created a host file')
      assert.deepEqual(readdirSync(markerDir), [], 'the attack created a host file')
      assert.deepEqual(readdirSync(mountDir), ['victim.txt'], 'the mounted directory changed')
      assert.equal(readFileSync(victimPath, 'utf8'), 'must stay', 'the mounted file changed')
      assert.equal(statSync(victimPath).mtimeMs, victimStat.mtimeMs, 'the mounted file was touched')
      assert.deepEqual(
        runtimeFiles.map((path) => statSync(path).mtimeMs),
        runtimeMtimes,
        "a runtime file's timestamp changed",
      )
      assert.equal(connections, 0, 'the loopback listener received a connection')
      assert.equal(inspector.url(), undefined, "the host's inspector was opened")
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
