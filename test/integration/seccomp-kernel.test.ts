// The compiled seccomp program, loaded by the real kernel through `bwrap --seccomp 3`: the
// unit tests check the program as data; this checks that the kernel reads it the same way and
// that CPython and Node still run under it.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { describe, it } from 'node:test'
import {
  compileSeccompProgram,
  seccompArchFor,
  syscallNumber,
} from '../../src/isolation/seccomp/compile.ts'

const TEST_TIMEOUT_MS = 60_000
const SIGSYS_EXIT_CODE = 128 + 31

function findBwrap(): string | null {
  const candidates = ['/usr/bin/bwrap', ...(process.env.PATH ?? '').split(delimiter)]
  for (const candidate of candidates) {
    const path = candidate.endsWith('bwrap') ? candidate : join(candidate, 'bwrap')
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {}
  }
  return null
}

const bwrap = findBwrap()
const arch = seccompArchFor(process.arch)
const skip = !bwrap
  ? 'bubblewrap not installed'
  : !arch
    ? `no seccomp filter for ${process.arch}`
    : false

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `command` in bwrap with the program on fd 3 (bwrap reads it to EOF, then loads it). */
function runFiltered(command: readonly string[]): Promise<Exit> {
  const program = compileSeccompProgram(arch ?? 'x86_64')
  const args = [
    ...['--unshare-all', '--die-with-parent', '--new-session'],
    ...['--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--seccomp', '3'],
    ...command,
  ]
  const child = spawn(bwrap ?? 'bwrap', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  const [, stdoutStream, stderrStream, programPipe] = child.stdio
  assert.ok(stdoutStream && stderrStream && programPipe && 'end' in programPipe)
  programPipe.end(program)
  let stdout = ''
  let stderr = ''
  stdoutStream.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  stderrStream.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** The numbers of the calls the probe makes through ctypes, for each architecture. */
function probeNumbers(): string {
  const names = [
    'unshare',
    'clone3',
    'ptrace',
    'perf_event_open',
    'userfaultfd',
    'keyctl',
    'fcntl',
    'io_setup',
    'inotify_init1',
    'sync',
  ]
  const table = (target: 'x86_64' | 'aarch64') =>
    Object.fromEntries(
      [...names, 'io_uring_setup', 'getpid'].map((n) => [n, syscallNumber(target, n)]),
    )
  return JSON.stringify({ x86_64: table('x86_64'), aarch64: table('aarch64') })
}

// Each probe answers 'ok' or the errno's name. Comments give what the call does unfiltered,
// so a pass cannot come from the kernel refusing for its own reasons.
const PYTHON_PROBE = `
import ctypes, errno, json, os, platform, socket, sys, threading
NR = json.loads(sys.argv[1])[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def call(name, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(NR[name]), *(ctypes.c_long(a) for a in args))
    return 'ok' if result >= 0 else errno.errorcode[ctypes.get_errno()]

def attempt(action):
    try:
        action()
        return 'ok'
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)

def threads():
    done = []
    workers = [threading.Thread(target=done.append, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(done)

status = open('/proc/self/status').read()
print(json.dumps({
    'seccomp': [line.split()[1] for line in status.splitlines() if line.startswith('Seccomp:')][0],
    'inet': attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
    'inet6': attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()),
    'unix': attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()),
    'unixPair': attempt(lambda: [s.close() for s in socket.socketpair()]),
    'flock': attempt(lambda: __import__('fcntl').flock(os.open('/usr/bin', os.O_RDONLY), 2)),  # ok
    'lease': call('fcntl', os.open('/proc/self/status', os.O_RDONLY), 1024, 0),  # F_SETLEASE: EINVAL
    'aio': call('io_setup', 1, 0),                       # NULL ctx: EFAULT
    # stderr is a socket pair the host made, in the host's network namespace.
    'bindHostSocket': attempt(lambda: socket.socket(fileno=os.dup(2)).bind(b'\\0pyward-seccomp-test')),  # ok
    'socketIoctl': attempt(lambda: __import__('fcntl').ioctl(2, 0x8912, bytes(16))),  # SIOCGIFCONF: EFAULT/EINVAL
    'bigBuffer': attempt(lambda: socket.socketpair()[0].setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)),  # ok
    'sync': call('sync'),                                # ok
    'inotify': call('inotify_init1', 0),                 # ok
    'fork': attempt(fork),
    'unshareUser': call('unshare', 0x10000000),         # CLONE_NEWUSER: ok
    'clone3': call('clone3', 0, 0),                      # NULL args: EINVAL
    'ptrace': call('ptrace', 16, 999999, 0, 0),          # PTRACE_ATTACH, no such pid: ESRCH
    'perfEventOpen': call('perf_event_open', 0, 0, -1, -1, 0),  # NULL attr: EFAULT
    'userfaultfd': call('userfaultfd', 1),               # UFFD_USER_MODE_ONLY: ok
    'keyctl': call('keyctl', 0, -3, 0),                  # KEYCTL_GET_KEYRING_ID session: ok
    'ioUringSetup': call('io_uring_setup', 1, 0),        # NULL params: EFAULT
    # Last: unshare(CLONE_NEWUSER) fails with EINVAL while another thread still exists.
    'threads': threads(),
}))
`

// x86_64 only: a syscall through the i386 ABI (int 0x80) and one through x32 (bit 30 of nr).
const I386_PROBE = `
import ctypes, mmap
code = bytes.fromhex('b814000000cd80c3')  # mov eax, 20 (i386 getpid); int 0x80; ret
page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
print('survived')
`
const X32_PROBE = `
import ctypes
ctypes.CDLL(None).syscall(0x40000000 | 39)  # x32 getpid
print('survived')
`

// Node as the Pyodide guest runs it, minus Pyodide: timers, fs, crypto, WebAssembly, threads
// (V8's platform workers start with the process). Spawning a child must fail.
const NODE_PROBE = `
const fs = require('node:fs')
const crypto = require('node:crypto')
const childProcess = require('node:child_process')
// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const wasm = Buffer.from(
  '0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b', 'hex')
setTimeout(async () => {
  const status = fs.readFileSync('/proc/self/status', 'utf8')
  const { instance } = await WebAssembly.instantiate(wasm)
  const spawned = childProcess.spawnSync('/bin/true')
  console.log(JSON.stringify({
    seccomp: /^Seccomp:\\s+(\\d+)/m.exec(status)[1],
    add: instance.exports.add(2, 3),
    randomBytes: crypto.randomBytes(16).length,
    spawnError: spawned.error ? spawned.error.code : null,
  }))
}, 10)
`

describe('the seccomp program in the kernel', { skip, timeout: TEST_TIMEOUT_MS * 4 }, () => {
  it('lets CPython run with threads and refuses what the policy denies', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const exit = await runFiltered(['/usr/bin/python3', '-I', '-c', PYTHON_PROBE, probeNumbers()])
    assert.equal(exit.code, 0, exit.stderr)
    assert.deepEqual(JSON.parse(exit.stdout), {
      seccomp: '2',
      inet: 'EACCES',
      inet6: 'EACCES',
      unix: 'EACCES',
      unixPair: 'ok',
      flock: 'EPERM',
      lease: 'EPERM',
      aio: 'EPERM',
      bindHostSocket: 'EPERM',
      socketIoctl: 'EPERM',
      bigBuffer: 'EPERM',
      sync: 'EPERM',
      inotify: 'EPERM',
      fork: 'EPERM',
      threads: 4,
      unshareUser: 'EPERM',
      clone3: 'ENOSYS',
      ptrace: 'EPERM',
      perfEventOpen: 'EPERM',
      userfaultfd: 'EPERM',
      keyctl: 'EPERM',
      ioUringSetup: 'EPERM',
    })
  })

  it('lets Node run timers, fs, crypto and WebAssembly, and refuses to spawn', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const exit = await runFiltered([process.execPath, '-e', NODE_PROBE])
    assert.equal(exit.code, 0, exit.stderr)
    assert.deepEqual(JSON.parse(exit.stdout), {
      seccomp: '2',
      add: 5,
      randomBytes: 16,
      spawnError: 'EPERM',
    })
  })

  it('kills a process that makes a syscall through the i386 or x32 ABI', {
    skip: arch === 'x86_64' ? false : 'the i386 and x32 ABIs exist only on x86_64',
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    for (const probe of [I386_PROBE, X32_PROBE]) {
      const exit = await runFiltered(['/usr/bin/python3', '-I', '-c', probe])
      // bwrap's pid 1 reports a child killed by SIGSYS as 128 + 31.
      assert.equal(exit.code, SIGSYS_EXIT_CODE, exit.stderr)
      assert.equal(exit.stdout, '')
    }
  })
})
