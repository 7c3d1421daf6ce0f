/**
 * More attacks, one Python file each, every one in a fresh sandbox under isolation "strict" (so a
 * host that lacks an OS layer fails here loudly instead of testing less), under each runtime, and
 * judged on the host: no effect (helpers/host-watch.ts, and the native runtime's own files), no
 * process inside the sandbox but its interpreter and none left after it, and the status the
 * attack must end with.
 *
 * Routes through Pyodide's JavaScript realm are tried under both runtimes (a native sandbox has
 * none: they raise ImportError there, see _attack.py); a native sandbox gets attacks of its own
 * on its C level, where only the OS layers stand around the guest.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  symlinkSync,
} from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type RunOptions, type RunResult, type RunStatus, run } from '../../src/index.ts'
import { SANDBOX_TASKS } from '../../src/policy/limits.ts'
import { type NativeFilesWatch, watchNativeFiles } from '../helpers/attack-native-files.ts'
import {
  listSandboxedProcesses,
  type SandboxedProcessesSeen,
  watchSandboxedProcesses,
} from '../helpers/attack-processes.ts'
import { type HostWatch, watchHost } from '../helpers/host-watch.ts'
import { RUNTIMES, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const source = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')
/** Give a connection, a signal or a file operation time to land before judging. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200))
const timeout = TEST_TIMEOUT_MS

interface AttackOptions extends RunOptions {
  /** Merged into the host-watch parameters the attack reads from /sandbox/params.json. */
  params?: Record<string, unknown>
}

interface AttackRun {
  result: RunResult
  processes: SandboxedProcessesSeen
}

function assertStatus(result: RunResult, expected: readonly RunStatus[]): void {
  assert.ok(
    expected.includes(result.status),
    `status ${result.status}, expected ${expected.join(' or ')}: ${result.stdout.slice(-2000)}\n${result.error?.traceback.slice(-2000) ?? ''}`,
  )
}

/** Native attacks on the C level: ctypes writes to arbitrary memory (see ctypes-write.py). */
const CTYPES_WRITES = [
  'address 8',
  'interpreter code',
  'int type object',
  'every writable mapping',
] as const
/** Native attacks on the C level: crashes of the interpreter (see c-crash.py). */
const C_CRASHES = [
  'read address 0',
  'call a null function pointer',
  'faulthandler._sigsegv',
  'os.abort',
  'C stack overflow',
  'segfault in a thread',
] as const

for (const runtime of RUNTIMES) {
  /** A visible skip, with its reason, for a test that is about the other runtime only. */
  const pyodideOnly = (why: string) => runtime !== 'pyodide' && `Pyodide only: ${why}`
  const nativeOnly = (why: string) => runtime !== 'native' && `native only: ${why}`

  describe(`the attack suite, under strict isolation (${runtime})`, () => {
    let host: HostWatch
    let nativeFiles: NativeFilesWatch

    /**
     * One attack in a fresh sandbox, with the host-watch mount and parameters; asserts no effect
     * on the host, and that no process but the sandbox's interpreter ran in it or outlived it.
     */
    async function runAttack(attack: string, options: AttackOptions = {}): Promise<AttackRun> {
      const { params = {}, mounts = [], ...rest } = options
      const watch = watchSandboxedProcesses()
      let result: RunResult
      let processes: SandboxedProcessesSeen
      try {
        result = await run(source(attack), {
          runtime,
          isolation: 'strict',
          timeoutMs: 20_000,
          filename: attack,
          ...rest,
          mounts: [host.mount, ...mounts],
          files: {
            'params.json': JSON.stringify({ ...host.params, ...params }),
            '_attack.py': source('_attack.py'),
          },
        })
      } finally {
        await settle()
        processes = watch.stop()
      }
      host.assertUntouched(result)
      nativeFiles.assertUnchanged()
      assert.ok(
        processes.peakProcesses <= 1,
        `a process was started in the sandbox: ${processes.seen.join(', ')}`,
      )
      assert.deepEqual(listSandboxedProcesses(), [], 'a process of the sandbox outlived its run')
      return { result, processes }
    }

    /** After an attack that crashed its sandbox, a new one still works. */
    async function assertNewSandboxWorks(): Promise<void> {
      const result = await run('1 + 1', { runtime, isolation: 'strict' })
      assert.deepEqual([result.status, result.value], ['ok', 2], result.error?.traceback)
    }

    before(async () => {
      host = await watchHost()
      nativeFiles = await watchNativeFiles()
    })
    after(() => host.close())

    it('host paths read through a mount, .. chains, symlinks and the JS realm give nothing', {
      timeout,
    }, async (t) => {
      // Symlinks the host itself put into a mounted directory, pointing out of it at the canary.
      const linksDir = mkdtempSync(join(tmpdir(), 'pyward-links-'))
      // Readable by all, as a mount must be for the sandbox to run as a uid of its own.
      chmodSync(linksDir, 0o755)
      t.after(() => rmSync(linksDir, { recursive: true, force: true }))
      const { canaryPath, canaryDir } = host.params
      const links = {
        absolute: canaryPath,
        relative: relative(linksDir, canaryPath),
        dir: canaryDir,
      }
      for (const [name, target] of Object.entries(links)) symlinkSync(target, join(linksDir, name))

      const { result } = await runAttack('read-host-paths.py', {
        mounts: [{ hostPath: linksDir, sandboxPath: '/mnt/links' }],
        params: { linksSandboxPath: '/mnt/links', hostCwd: process.cwd() },
      })
      assertStatus(result, ['ok'])
      assert.match(result.stdout, /open canary: raised: /, 'the attempts were made')
      const everything = JSON.stringify(result)
      assert.ok(!everything.includes('root:x:0:0'), "the host's /etc/passwd leaked")
      // Names the guest could only have learnt by listing the host's working directory.
      const listed = readdirSync(process.cwd()).filter(
        (entry) => entry.length >= 12 && !source('read-host-paths.py').includes(entry),
      )
      for (const name of listed) {
        assert.ok(!everything.includes(name), `the host's working directory was listed (${name})`)
      }
      assert.deepEqual(readdirSync(linksDir).sort(), Object.keys(links).sort())
      for (const [name, target] of Object.entries(links)) {
        assert.equal(readlinkSync(join(linksDir, name)), target, `the ${name} link changed`)
      }
    })

    it('an abstract unix socket the host listens on cannot be reached', {
      timeout,
    }, async (t) => {
      let connections = 0
      const server = createServer((socket) => {
        connections++
        socket.destroy()
      })
      const abstractPath = `\0pyward-test-${process.pid}-${Math.random().toString(16).slice(2)}`
      await new Promise<void>((resolve) => server.listen({ path: abstractPath }, resolve))
      t.after(() => new Promise((resolve) => server.close(resolve)))

      const { result } = await runAttack('abstract-unix-socket.py', { params: { abstractPath } })
      assertStatus(result, ['ok'])
      assert.match(result.stdout, /socket AF_UNIX stream: raised: /)
      assert.equal(connections, 0, 'the abstract socket listener received a connection')
      // The listener does see a connection from the host's own network namespace.
      await new Promise<void>((resolve, reject) => {
        createConnection({ path: abstractPath }, resolve).on('error', reject)
      })
      await settle()
      assert.equal(connections, 1, 'the listener works')
    })

    it('every Python way to start a process raises', { timeout }, async () => {
      const { result } = await runAttack('start-processes.py')
      assertStatus(result, ['ok'])
      for (const name of [
        'os.system',
        'subprocess.run',
        'os.fork',
        'pty.spawn',
        'multiprocessing',
      ]) {
        assert.match(result.stdout, new RegExp(`^${name}[^:]*: raised: `, 'm'), name)
      }
      assert.doesNotMatch(result.stdout, /: returned: /)
    })

    for (const bomb of ['fork-bomb.py', 'thread-bomb.py']) {
      it(`${bomb} ends long before its time limit, with no process started and no task past the limit`, {
        timeout,
      }, async () => {
        const timeoutMs = 10_000
        const { result, processes } = await runAttack(bomb, { timeoutMs })
        assertStatus(result, ['ok', 'error'])
        assert.ok(result.usage.wallMs < timeoutMs / 2, `it ran ${result.usage.wallMs} ms`)
        // The pids cgroup holds the sandbox to SANDBOX_TASKS tasks, threads included.
        assert.ok(
          processes.peakThreads <= SANDBOX_TASKS,
          `the sandbox had ${processes.peakThreads} threads`,
        )
      })
    }

    it('a memory bomb ends as memory_limit', { timeout }, async () => {
      const { result } = await runAttack('memory-bomb.py')
      assertStatus(result, ['memory_limit'])
    })

    it('a busy loop ends as timeout, soon after its limit', { timeout }, async () => {
      const timeoutMs = 1_500
      const { result } = await runAttack('cpu-loop.py', { timeoutMs })
      assertStatus(result, ['timeout'])
      assert.ok(result.usage.wallMs < timeoutMs + 1_500, `it ran ${result.usage.wallMs} ms`)
    })

    it('deep recursion raises or crashes the interpreter, never passes', { timeout }, async () => {
      const { result } = await runAttack('deep-recursion.py')
      assertStatus(result, ['error', 'crashed'])
      assert.match(result.stdout, /at the default limit: maximum recursion depth exceeded/)
    })

    it('huge integer conversions are refused or stopped by the time limit', {
      timeout,
    }, async () => {
      const timeoutMs = 1_500
      const { result } = await runAttack('huge-int.py', { timeoutMs })
      assertStatus(result, ['error', 'timeout'])
      assert.match(result.stdout, /int from 10\*\*6 digits: Exceeds the limit/)
      assert.ok(result.usage.wallMs < timeoutMs + 1_500, `it ran ${result.usage.wallMs} ms`)
    })

    it('catastrophic regex backtracking ends as timeout, soon after its limit', {
      timeout,
    }, async () => {
      const timeoutMs = 1_500
      const { result } = await runAttack('regex-backtracking.py', { timeoutMs })
      assertStatus(result, ['timeout'])
      assert.ok(result.usage.wallMs < timeoutMs + 1_500, `it ran ${result.usage.wallMs} ms`)
    })

    it('an output flood ends as output_limit within maxOutputBytes', { timeout }, async () => {
      const maxOutputBytes = 16 * 1024
      const { result } = await runAttack('output-flood.py', { maxOutputBytes })
      assertStatus(result, ['output_limit'])
      assert.ok(Buffer.byteLength(result.stdout) <= maxOutputBytes, 'stdout past its cap')
      assert.equal(result.stdoutTruncated, true)
    })

    it("filling the disk costs the host's disk nothing", { timeout }, async () => {
      const freeBytes = () => {
        const stats = statfsSync(tmpdir())
        return stats.bavail * stats.bsize
      }
      const before = freeBytes()
      const entries = new Set(readdirSync(tmpdir()))
      const { result } = await runAttack('fill-disk.py', { timeoutMs: 30_000 })
      assertStatus(result, ['ok', 'error', 'memory_limit'])
      const dropMb = (before - freeBytes()) / 2 ** 20
      assert.ok(dropMb < 50, `the host's free disk space dropped by ${dropMb.toFixed(0)} MiB`)
      const added = readdirSync(tmpdir()).filter((entry) => !entries.has(entry))
      assert.ok(!added.some((entry) => entry.includes('big')), `new in tmp: ${added.join(', ')}`)
      assert.equal(existsSync(join(tmpdir(), 'big')), false)
    })

    it('ctypes reaches only the WebAssembly module', {
      timeout,
      skip: pyodideOnly('a native ctypes reaches the whole process (the tests below)'),
    }, async () => {
      const { result } = await runAttack('ctypes-attack.py')
      assertStatus(result, ['ok', 'error', 'crashed'])
      assert.match(result.stdout, /syscall getpid: /, 'the attempts were made')
    })

    it('ctypes calls into libc and raw system calls reach nothing of the host', {
      timeout,
      skip: nativeOnly('in Pyodide, the test above'),
    }, async () => {
      // The attack ends by writing address 0, which ends a native interpreter.
      const { result } = await runAttack('ctypes-attack.py')
      assertStatus(result, ['crashed', 'error'])
      assert.match(result.stdout, /syscall getpid: returned: /, 'raw system calls can be made')
      assert.match(result.stdout, /write address 0: \.\.\./, 'the write was made')
    })

    for (const target of CTYPES_WRITES) {
      it(`a ctypes write to ${target} ends as crashed or error, and a new sandbox still works`, {
        timeout,
        skip: nativeOnly('a Pyodide ctypes writes only WebAssembly memory'),
      }, async () => {
        const { result } = await runAttack('ctypes-write.py', { params: { target } })
        assertStatus(result, ['crashed', 'error'])
        assert.match(result.stdout, new RegExp(`^${target}: \\.\\.\\.$`, 'm'), 'it was made')
        await assertNewSandboxWorks()
      })
    }

    for (const crash of C_CRASHES) {
      it(`a C-level crash (${crash}) ends as crashed, and a new sandbox still works`, {
        timeout,
        skip: nativeOnly('Pyodide has no C level outside WebAssembly (interpreter-crash.py)'),
      }, async () => {
        const { result } = await runAttack('c-crash.py', { params: { crash } })
        assertStatus(result, ['crashed', 'error'])
        assert.match(result.stdout, new RegExp(`^${crash}: \\.\\.\\.$`, 'm'), 'it was made')
        await assertNewSandboxWorks()
      })
    }

    it("an interpreter exec-ed in place of the sandbox's still ends at the time limit", {
      timeout,
      skip: nativeOnly('a Pyodide guest has no execve'),
    }, async () => {
      const timeoutMs = 1_500
      const { result } = await runAttack('exec-interpreter.py', { timeoutMs })
      assertStatus(result, ['timeout', 'crashed'])
      assert.match(result.stdout, /^exec \.\.\.$/m, 'it was made')
      assert.ok(result.usage.wallMs < timeoutMs + 1_500, `it ran ${result.usage.wallMs} ms`)
      await assertNewSandboxWorks()
    })

    it('classic interpreter crashers end as crashed or error', { timeout }, async () => {
      const { result } = await runAttack('interpreter-crash.py')
      assertStatus(result, ['crashed', 'error'])
      assert.match(result.stdout, /eval of 200000 open parentheses: raised: /)
      await assertNewSandboxWorks()
    })

    it('signals reach no process of the host', { timeout }, async (t) => {
      // A host process that writes the marker when SIGUSR1 reaches it (and dies by SIGKILL).
      const script = `process.on('SIGUSR1', () => require('fs').writeFileSync(${JSON.stringify(host.params.markerPath)}, 'signalled')); setInterval(() => {}, 1000); console.log('ready')`
      const child = spawn(process.execPath, ['-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      t.after(() => child.kill('SIGKILL'))
      await new Promise((resolve, reject) => {
        child.stdout.once('data', resolve)
        child.once('exit', reject)
      })

      const { result } = await runAttack('signal-others.py', { params: { childPid: child.pid } })
      assertStatus(result, ['ok'])
      assert.match(result.stdout, /os\.kill SIGKILL: /, 'the attempts were made')
      assert.deepEqual(
        [child.exitCode, child.signalCode],
        [null, null],
        'the host child was killed',
      )
      assert.equal(process.kill(child.pid as number, 0), true, 'the host child is alive')
    })
  })
}
