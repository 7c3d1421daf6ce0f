import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  BPF_MAX_INSTRUCTIONS,
} from '../../src/isolation/seccomp/bpf.ts'
import {
  buildSeccompInstructions,
  compileSeccompProgram,
  type SeccompArch,
  seccompArchFor,
  syscallNumber,
} from '../../src/isolation/seccomp/compile.ts'
import {
  EACCES,
  ENOSYS,
  EPERM,
  SECCOMP_POLICY,
  type SeccompPolicy,
} from '../../src/isolation/seccomp/policy.ts'
import { evaluateSeccomp, type SeccompVerdict } from '../helpers/bpf-interpreter.ts'

const AUDIT: Record<SeccompArch, number> = {
  x86_64: AUDIT_ARCH_X86_64,
  aarch64: AUDIT_ARCH_AARCH64,
}
const AUDIT_ARCH_I386 = 0x40000003
const AUDIT_ARCH_ARM = 0x40000028

const ALLOW: SeccompVerdict = { kind: 'allow' }
const KILL: SeccompVerdict = { kind: 'kill-process' }
const errno = (value: number): SeccompVerdict => ({ kind: 'errno', errno: value })

const AF_UNIX = 1n
const AF_INET = 2n
const AF_INET6 = 10n
const AF_NETLINK = 16n
const AF_PACKET = 17n
const SIGCHLD = 17n
/** glibc's pthread_create: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID. */
const THREAD_FLAGS = 0x3d0f00n
const CLONE_NEW = {
  NEWNS: 0x00020000n,
  NEWCGROUP: 0x02000000n,
  NEWUTS: 0x04000000n,
  NEWIPC: 0x08000000n,
  NEWUSER: 0x10000000n,
  NEWPID: 0x20000000n,
  NEWNET: 0x40000000n,
}
const TIOCSTI = 0x5412n
const TIOCLINUX = 0x541cn
const TCGETS = 0x5401n

/** The denials the design asks for by name; the policy may deny more. */
const REQUIRED_DENIALS = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'kcmp',
  'pidfd_getfd',
  'process_madvise',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'keyctl',
  'add_key',
  'request_key',
  'mount',
  'umount2',
  'unshare',
  'setns',
  'pivot_root',
  'chroot',
  'open_tree',
  'move_mount',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
  'name_to_handle_at',
  'open_by_handle_at',
  'mbind',
  'set_mempolicy',
  'migrate_pages',
  'move_pages',
  'get_mempolicy',
  'settimeofday',
  'clock_settime',
  'adjtimex',
  'clock_adjtime',
  'init_module',
  'finit_module',
  'delete_module',
  'kexec_load',
  'kexec_file_load',
  'reboot',
  'swapon',
  'swapoff',
  'syslog',
  'acct',
  'iopl',
  'ioperm',
  'modify_ldt',
  'fork',
  'vfork',
]

const deniedNames = SECCOMP_POLICY.denied.flatMap((denial) => denial.names)

describe('syscall tables', () => {
  it('map the well-known x86_64 numbers', () => {
    const expected = { read: 0, write: 1, clone: 56, clone3: 435, socket: 41 }
    for (const [name, nr] of Object.entries(expected)) {
      assert.equal(syscallNumber('x86_64', name), nr, name)
    }
  })

  it('map the well-known aarch64 numbers', () => {
    const expected = { read: 63, write: 64, clone: 220, clone3: 435, socket: 198 }
    for (const [name, nr] of Object.entries(expected)) {
      assert.equal(syscallNumber('aarch64', name), nr, name)
    }
  })

  it('leave out the calls an architecture does not have', () => {
    for (const name of ['fork', 'vfork', 'open', 'stat', 'epoll_wait', 'arch_prctl']) {
      assert.equal(syscallNumber('aarch64', name), undefined, name)
    }
    assert.equal(syscallNumber('x86_64', 'fork'), 57)
  })
})

describe('seccompArchFor', () => {
  it("maps Node's x64 and arm64 and nothing else", () => {
    assert.equal(seccompArchFor('x64'), 'x86_64')
    assert.equal(seccompArchFor('arm64'), 'aarch64')
    assert.equal(seccompArchFor('ia32'), null)
    assert.equal(seccompArchFor('riscv64'), null)
  })
})

describe('the policy', () => {
  it('denies every call the design names, and allows none of them', () => {
    const allowed = new Set(SECCOMP_POLICY.allow)
    const ruled = new Set(SECCOMP_POLICY.rules.map((rule) => rule.syscall))
    for (const name of REQUIRED_DENIALS) {
      assert.ok(deniedNames.includes(name), `${name} is listed as denied`)
      assert.ok(!allowed.has(name) && !ruled.has(name), `${name} is not allowed`)
    }
  })

  it('gives a reason for every denial and every argument rule', () => {
    for (const entry of [...SECCOMP_POLICY.denied, ...SECCOMP_POLICY.rules]) {
      assert.ok(entry.why.length > 20, JSON.stringify(entry))
    }
  })

  it('refuses a name that is both allowed and denied', () => {
    const policy: SeccompPolicy = { ...SECCOMP_POLICY, allow: [...SECCOMP_POLICY.allow, 'ptrace'] }
    assert.throws(() => buildSeccompInstructions('x86_64', policy), /ptrace twice/)
  })

  it('refuses a rule block too long for an 8-bit jump', () => {
    const values = Array.from({ length: 100 }, (_, value) => value)
    const policy: SeccompPolicy = {
      ...SECCOMP_POLICY,
      allow: SECCOMP_POLICY.allow.filter((name) => name !== 'prctl'),
      rules: [
        ...SECCOMP_POLICY.rules,
        {
          syscall: 'prctl',
          cases: values.map((value) => ({
            when: [{ arg: 0, op: 'equals', value } as const],
            action: { kind: 'allow' } as const,
          })),
          otherwise: { kind: 'errno', errno: EPERM },
          why: 'an oversized rule, to test the jump limit',
        },
      ],
    }
    assert.throws(() => buildSeccompInstructions('x86_64', policy), /must be 0\.\.255/)
  })
})

for (const arch of ['x86_64', 'aarch64'] as const) {
  describe(`the ${arch} program`, () => {
    const program = compileSeccompProgram(arch)
    const nr = (name: string): number => {
      const number = syscallNumber(arch, name)
      assert.ok(number !== undefined, `${name} exists on ${arch}`)
      return number
    }
    const call = (name: string, ...args: bigint[]) =>
      evaluateSeccomp(program, { nr: nr(name), arch: AUDIT[arch], args })

    it('is whole instructions, fewer than the kernel limit, and ends in a return', () => {
      assert.equal(program.length % 8, 0)
      const count = program.length / 8
      assert.ok(count < BPF_MAX_INSTRUCTIONS, `${count} instructions`)
      assert.equal(program.readUInt16LE(program.length - 8), 0x06)
    })

    it('jumps only forward to instructions inside the program', () => {
      const instructions = buildSeccompInstructions(arch)
      assert.equal(instructions.length * 8, program.length)
      instructions.forEach((insn, pc) => {
        if ((insn.code & 0x07) !== 0x05) return
        for (const offset of [insn.jt, insn.jf]) {
          assert.ok(pc + 1 + offset < instructions.length, `jump at ${pc} lands inside`)
        }
      })
    })

    it('allows the calls a runtime makes all the time', () => {
      const waits = arch === 'x86_64' ? ['epoll_wait', 'epoll_pwait'] : ['epoll_pwait']
      for (const name of ['read', 'write', 'mmap', 'futex', 'execve', 'execveat', ...waits]) {
        assert.deepEqual(call(name), ALLOW, name)
      }
    })

    it('allows every allowlisted call the architecture has, and skips the rest', () => {
      let skipped = 0
      for (const name of SECCOMP_POLICY.allow) {
        const number = syscallNumber(arch, name)
        if (number === undefined) {
          skipped++
          continue
        }
        assert.deepEqual(evaluateSeccomp(program, { nr: number, arch: AUDIT[arch] }), ALLOW, name)
      }
      // Newer than the tables on both arches; on aarch64 also the legacy x86 calls (open, stat…).
      assert.equal(syscallNumber(arch, 'mseal'), undefined)
      assert.ok(skipped >= 8)
    })

    it('creates no socket at all, and only AF_UNIX socket pairs', () => {
      for (const family of [AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET]) {
        assert.deepEqual(call('socket', family, 1n, 0n), errno(EACCES), `family ${family}`)
      }
      assert.deepEqual(call('socketpair', AF_UNIX, 1n, 0n), ALLOW)
      assert.deepEqual(call('socketpair', AF_INET, 1n, 0n), errno(EACCES))
    })

    it('reads the socket pair family from the low 32 bits, as the kernel does', () => {
      assert.deepEqual(call('socketpair', 0x1_0000_0000n | AF_INET, 1n, 0n), errno(EACCES))
      assert.deepEqual(call('socketpair', 0xffff_ffff_0000_0000n | AF_UNIX, 1n, 0n), ALLOW)
    })

    it('gives no address to a socket, and asks nothing of the host network through one', () => {
      for (const name of ['bind', 'listen', 'connect', 'accept', 'accept4']) {
        assert.deepEqual(call(name, 2n, 0n, 0n), errno(EPERM), name)
      }
      for (const request of [0x8912n, 0x8915n, 0x8946n, 0x1_0000_8912n]) {
        assert.deepEqual(call('ioctl', 2n, request, 0n), errno(EPERM), `ioctl ${request}`)
      }
      assert.deepEqual(call('ioctl', 0n, 0x5401n, 0n), ALLOW, 'TCGETS')
      assert.deepEqual(call('ioctl', 0n, 0x5421n, 0n), ALLOW, 'FIONBIO')
      for (const option of [7n, 8n, 32n, 33n]) {
        assert.deepEqual(call('setsockopt', 3n, 1n, option, 0n, 4n), errno(EPERM), `SO_ ${option}`)
      }
      assert.deepEqual(call('setsockopt', 3n, 1n, 9n, 0n, 4n), ALLOW, 'SO_KEEPALIVE')
    })

    it('neither flushes nor probes the page cache of shared files, nor syncs the host', () => {
      assert.deepEqual(call('fadvise64', 3n, 0n, 0n, 4n), errno(EPERM), 'POSIX_FADV_DONTNEED')
      assert.deepEqual(call('fadvise64', 3n, 0n, 0n, 2n), ALLOW, 'POSIX_FADV_SEQUENTIAL')
      for (const name of ['preadv2', 'pwritev2']) {
        assert.deepEqual(call(name, 3n, 0n, 1n, 0n, 0n, 8n), errno(EPERM), `${name} RWF_NOWAIT`)
        assert.deepEqual(call(name, 3n, 0n, 1n, 0n, 0n, 0n), ALLOW, name)
      }
      assert.deepEqual(call('sync'), errno(EPERM))
      assert.deepEqual(call('syncfs', 3n), errno(EPERM))
    })

    it('takes no lock, lease or notification on a file, and keeps the other fcntl commands', () => {
      for (const command of [6n, 7n, 37n, 38n, 1024n, 1026n]) {
        assert.deepEqual(call('fcntl', 3n, command, 0n), errno(EPERM), `F_ command ${command}`)
        assert.deepEqual(call('fcntl', 3n, 0x1_0000_0000n | command, 0n), errno(EPERM))
      }
      for (const command of [0n, 1n, 2n, 3n, 4n, 5n, 1030n]) {
        assert.deepEqual(call('fcntl', 3n, command, 0n), ALLOW, `F_ command ${command}`)
      }
      assert.deepEqual(call('flock', 3n, 2n), errno(EPERM))
      for (const name of ['io_setup', 'io_submit', 'inotify_init1', 'inotify_add_watch']) {
        assert.deepEqual(call(name, 0n, 0n), errno(EPERM), name)
      }
    })

    it('lets clone make threads and nothing else', () => {
      assert.deepEqual(call('clone', THREAD_FLAGS), ALLOW)
      assert.deepEqual(call('clone', SIGCHLD), errno(EPERM), 'fork through clone')
      assert.deepEqual(call('clone', 0x4111n), errno(EPERM), 'vfork through clone')
      for (const [name, bit] of Object.entries(CLONE_NEW)) {
        assert.deepEqual(call('clone', THREAD_FLAGS | bit), errno(EPERM), name)
        assert.deepEqual(call('clone', SIGCHLD | bit), errno(EPERM), name)
      }
    })

    it('answers clone3 with ENOSYS so glibc falls back to clone', () => {
      assert.deepEqual(call('clone3', 0n, 88n), errno(ENOSYS))
    })

    it('denies TIOCSTI and TIOCLINUX and allows other ioctls', () => {
      assert.deepEqual(call('ioctl', 0n, TIOCSTI, 0n), errno(EPERM))
      assert.deepEqual(call('ioctl', 0n, TIOCLINUX, 0n), errno(EPERM))
      assert.deepEqual(call('ioctl', 0n, TCGETS, 0n), ALLOW)
      assert.deepEqual(call('ioctl', 0n, 0x1_0000_0000n | TIOCSTI, 0n), errno(EPERM))
    })

    it("allows only Docker's personality values", () => {
      for (const persona of [0n, 0x8n, 0x20000n, 0x20008n, 0xffff_ffffn]) {
        assert.deepEqual(call('personality', persona), ALLOW, `persona ${persona}`)
      }
      assert.deepEqual(call('personality', 0x0040000n), errno(EPERM), 'ADDR_NO_RANDOMIZE')
      assert.deepEqual(call('personality', 0x0400000n), errno(EPERM), 'READ_IMPLIES_EXEC')
    })

    it('answers every explicit denial with EPERM', () => {
      let checked = 0
      for (const name of deniedNames) {
        const number = syscallNumber(arch, name)
        if (number === undefined) continue
        assert.deepEqual(evaluateSeccomp(program, { nr: number, arch: AUDIT[arch] }), errno(EPERM))
        checked++
      }
      assert.ok(checked > 40, `${checked} denials checked`)
    })

    it('answers an unknown number with EPERM', () => {
      assert.deepEqual(evaluateSeccomp(program, { nr: 999, arch: AUDIT[arch] }), errno(EPERM))
    })

    it('kills the process for a call through another architecture', () => {
      const others = [AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_ARM]
      for (const other of others.filter((value) => value !== AUDIT[arch])) {
        assert.deepEqual(evaluateSeccomp(program, { nr: nr('read'), arch: other }), KILL)
      }
    })

    if (arch === 'x86_64') {
      it('denies fork and vfork', () => {
        assert.deepEqual(call('fork'), errno(EPERM))
        assert.deepEqual(call('vfork'), errno(EPERM))
      })

      it('kills the process for an x32 call', () => {
        for (const number of [0x40000000, 0x40000000 | nr('write'), 0x40000000 | nr('socket')]) {
          assert.deepEqual(evaluateSeccomp(program, { nr: number, arch: AUDIT[arch] }), KILL)
        }
      })
    }
  })
}
