/**
 * The seccomp policy as data: which system calls the sandboxed process may make. A default-deny
 * allowlist in the spirit of Docker's default profile (moby/profiles `seccomp/default.json`), plus
 * argument rules and explicit denials that are tighter than Docker's.
 *
 * Architecture-neutral: names only. `compile.ts` maps the names to each architecture's numbers
 * (`syscall-numbers.ts`) and skips a name that an architecture does not have.
 *
 * @module
 */

// errno values; the same on x86_64 and aarch64 (both use asm-generic/errno-base.h).
export const EPERM = 1
export const EACCES = 13
export const ENOSYS = 38

/** What the filter answers for one system call. */
export type SeccompAction =
  | { readonly kind: 'allow' }
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'kill-process' }

/**
 * A test on the low 32 bits of one argument. Every argument these rules inspect is an `int` or
 * `unsigned int` in the kernel (clone's flags are truncated with lower_32_bits()), so the high
 * 32 bits are ignored by the kernel and must be ignored here too: comparing all 64 bits would let
 * `0x1_0000_5412` through as "not TIOCSTI" while the kernel runs it as TIOCSTI.
 */
export type ArgCondition =
  | { readonly arg: number; readonly op: 'equals'; readonly value: number }
  | { readonly arg: number; readonly op: 'has-all-bits'; readonly mask: number }
  | { readonly arg: number; readonly op: 'has-no-bits'; readonly mask: number }
  | {
      readonly arg: number
      readonly op: 'masked-equals'
      readonly mask: number
      readonly value: number
    }

/** One syscall decided by its arguments: the first case whose conditions all hold, else `otherwise`. */
export interface ArgumentRule {
  readonly syscall: string
  readonly cases: readonly {
    readonly when: readonly ArgCondition[]
    readonly action: SeccompAction
  }[]
  readonly otherwise: SeccompAction
  readonly why: string
}

/** Syscalls that get the default action on purpose; kept as data so a test can pin them. */
export interface Denial {
  readonly names: readonly string[]
  readonly why: string
}

export interface SeccompPolicy {
  readonly defaultAction: SeccompAction
  /** For a syscall made through another ABI (i386 `int 0x80`, x32): its numbers mean other calls. */
  readonly foreignAbiAction: SeccompAction
  readonly allow: readonly string[]
  readonly rules: readonly ArgumentRule[]
  readonly denied: readonly Denial[]
}

const ALLOW: SeccompAction = { kind: 'allow' }
const errno = (value: number): SeccompAction => ({ kind: 'errno', errno: value })

function words(text: string): string[] {
  return text.trim().split(/\s+/)
}

/**
 * Docker's unconditional allowlist, alphabetical, minus: the names that exist only in 32-bit
 * ABIs (`*32`, `*_time64`, `socketcall`, …: the arch check kills those ABIs), the calls that
 * get an argument rule below (`socket`, `socketpair`, `fcntl`, `ioctl`), and the ones this
 * policy denies (`fork`, `vfork`, `flock`, Linux AIO, inotify, `name_to_handle_at`, `adjtimex`,
 * `clock_adjtime`; see {@link SECCOMP_POLICY}).
 * Plus `arch_prctl` (Docker's amd64 group): glibc sets the thread pointer with it on x86_64.
 *
 * `execve`/`execveat` must stay: bwrap loads the filter and then execs the sandboxed command,
 * so that exec is itself filtered. Running another program is no new power here: it is the
 * same process, with the same filter, namespaces and limits, and fork is denied.
 *
 * Some names are newer than libseccomp 2.5.4, which generated the tables (`getxattrat`,
 * `listmount`, `listxattrat`, `mseal`, `removexattrat`, `setxattrat`, `statmount`,
 * `uretprobe`): they have no number yet, so they are skipped and get the default action.
 */
const ALLOWED = words(`
  access alarm arch_prctl brk cachestat capget capset chdir chmod chown
  clock_getres clock_gettime clock_nanosleep close close_range copy_file_range creat dup
  dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
  epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat
  faccessat2 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchownat
  fdatasync fgetxattr flistxattr fremovexattr fsetxattr fstat fstatfs fsync
  ftruncate futex futex_requeue futex_wait futex_waitv futex_wake futimesat getcpu getcwd
  getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp
  getpid getppid getpriority getrandom getresgid getresuid getrlimit get_robust_list getrusage
  getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getxattr getxattrat
  ioprio_get ioprio_set kill landlock_add_rule
  landlock_create_ruleset landlock_restrict_self lchown lgetxattr link linkat listmount
  listxattr listxattrat llistxattr lremovexattr lseek lsetxattr lstat madvise map_shadow_stack
  membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall
  mmap mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink mremap
  mseal msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat open
  openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free
  pkey_mprotect poll ppoll prctl pread64 preadv prlimit64 process_mrelease pselect6
  pwrite64 pwritev read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg
  remap_file_pages removexattr removexattrat rename renameat renameat2 restart_syscall rmdir
  rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
  sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
  sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
  semctl semget semop semtimedop sendfile sendmmsg sendmsg sendto setfsgid setfsuid setgid
  setgroups setitimer setpgid setpriority setregid setresgid setresuid setreuid setrlimit
  set_robust_list setsid set_thread_area set_tid_address setuid setxattr setxattrat
  shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 splice stat statfs statmount
  statx symlink symlinkat sync_file_range sysinfo tee tgkill time timer_create
  timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime
  timerfd_settime times tkill truncate umask uname unlink unlinkat uretprobe utime utimensat
  utimes vmsplice wait4 waitid write writev
`)

const AF_UNIX = 1
const CLONE_THREAD = 0x00010000
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (Docker's mask). */
const CLONE_NAMESPACE_BITS = 0x7e020000
const TIOCSTI = 0x5412
const TIOCLINUX = 0x541c
/** The socket ioctl range (linux/sockios.h): 0x8900–0x89ff. */
const SOCKET_IOCTLS = 0x8900

/** fcntl commands that lock or watch a file: F_SETLK, F_SETLKW, F_OFD_SETLK(W), F_SETLEASE, F_NOTIFY. */
const FILE_LOCK_COMMANDS = [6, 7, 37, 38, 1024, 1026]

/** SOL_SOCKET options that grow a socket's buffers past the default (kernel memory). */
const SO_SNDBUF = 7
const SO_RCVBUF = 8
const SO_SNDBUFFORCE = 32
const SO_RCVBUFFORCE = 33
const SOL_SOCKET = 1
const POSIX_FADV_DONTNEED = 4
const RWF_NOWAIT = 0x8

const RULES: readonly ArgumentRule[] = [
  {
    syscall: 'socket',
    cases: [],
    otherwise: errno(EACCES),
    why:
      'No network, and no new socket of any family. INET/INET6 would reach the host network if ' +
      'a namespace were missing; NETLINK and PACKET talk to the kernel and the wire directly; ' +
      'and an AF_UNIX socket can connect to a host socket file in a mounted directory (a ' +
      'read-only mount does not stop connect()). EACCES, as a firewall would answer, so Python ' +
      'raises PermissionError.',
  },
  {
    syscall: 'socketpair',
    cases: [{ when: [{ arg: 0, op: 'equals', value: AF_UNIX }], action: ALLOW }],
    otherwise: errno(EACCES),
    why: 'A connected pair inside the process (Node and asyncio use them) reaches nothing else.',
  },
  {
    syscall: 'fcntl',
    cases: FILE_LOCK_COMMANDS.map((command) => ({
      when: [{ arg: 1, op: 'equals', value: command } as const],
      action: errno(EPERM),
    })),
    otherwise: ALLOW,
    why:
      'Locks, leases and directory notifications on files bound in from the host would stall ' +
      "or watch the host's own users of those files (measured: a lease held a host writer of a " +
      'mounted file for 10 s). Other commands (flags, descriptors) stay.',
  },
  {
    syscall: 'clone',
    cases: [
      {
        when: [
          { arg: 0, op: 'has-all-bits', mask: CLONE_THREAD },
          { arg: 0, op: 'has-no-bits', mask: CLONE_NAMESPACE_BITS },
        ],
        action: ALLOW,
      },
    ],
    otherwise: errno(EPERM),
    why:
      'Threads only. CLONE_THREAD requires CLONE_SIGHAND and CLONE_VM, so the child is a thread ' +
      'of this process: fork/vfork/posix_spawn through clone fail with EPERM, and so does any ' +
      'new namespace. Flags are arg0 on both x86_64 and aarch64 (only s390 differs).',
  },
  {
    syscall: 'clone3',
    cases: [],
    otherwise: errno(ENOSYS),
    why:
      'clone3 passes its flags in a struct in memory, which seccomp cannot read. ENOSYS makes ' +
      'glibc fall back to clone, whose flags the rule above inspects.',
  },
  {
    syscall: 'ioctl',
    cases: [
      { when: [{ arg: 1, op: 'equals', value: TIOCSTI }], action: errno(EPERM) },
      { when: [{ arg: 1, op: 'equals', value: TIOCLINUX }], action: errno(EPERM) },
      {
        when: [{ arg: 1, op: 'masked-equals', mask: 0xff00, value: SOCKET_IOCTLS }],
        action: errno(EPERM),
      },
    ],
    otherwise: ALLOW,
    why:
      'TIOCSTI pushes keystrokes into a terminal the sandbox shares with the host, which the ' +
      "host's shell then runs; TIOCLINUX can do the same through the console's selection. The " +
      '0x89xx socket ioctls (SIOCGIFCONF, SIOCETHTOOL, …) on the host-made socket pairs of fds ' +
      "2 and 3 answer for the host's network namespace (measured: its interfaces, addresses, " +
      'MAC and driver).',
  },
  {
    syscall: 'setsockopt',
    cases: [SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE].map((option) => ({
      when: [
        { arg: 1, op: 'equals', value: SOL_SOCKET } as const,
        { arg: 2, op: 'equals', value: option } as const,
      ],
      action: errno(EPERM),
    })),
    otherwise: ALLOW,
    why:
      "Socket buffers are kernel memory that no process's resident size shows: larger ones let " +
      'a sandbox without a cgroup queue gigabytes in socket pairs (measured: 2 GiB).',
  },
  {
    syscall: 'fadvise64',
    cases: [{ when: [{ arg: 3, op: 'equals', value: POSIX_FADV_DONTNEED }], action: errno(EPERM) }],
    otherwise: ALLOW,
    why:
      "DONTNEED on a file bound in from the host evicts the host's (or another sandbox's) cached " +
      'pages of it: the "flush" half of a flush+reload side channel (measured).',
  },
  ...[
    { syscall: 'preadv2', flagsArg: 5 },
    { syscall: 'pwritev2', flagsArg: 5 },
  ].map(
    ({ syscall, flagsArg }): ArgumentRule => ({
      syscall,
      cases: [
        { when: [{ arg: flagsArg, op: 'has-all-bits', mask: RWF_NOWAIT }], action: errno(EPERM) },
      ],
      otherwise: ALLOW,
      why:
        'RWF_NOWAIT answers whether a page of a file is in the page cache: the "reload" half of ' +
        'a side channel on what the host or another sandbox reads from a shared bound file.',
    }),
  ),
  {
    syscall: 'personality',
    cases: [0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value) => ({
      when: [{ arg: 0, op: 'equals', value } as const],
      action: ALLOW,
    })),
    otherwise: errno(EPERM),
    why:
      "Docker's values: PER_LINUX, PER_LINUX32, UNAME26, both, and 0xffffffff (query). Other " +
      'personas include ADDR_NO_RANDOMIZE (ASLR off) and READ_IMPLIES_EXEC.',
  },
]

const DENIED: readonly Denial[] = [
  {
    names: ['fork', 'vfork'],
    why: 'No new processes, only threads (see the clone rule). x86_64 only: aarch64 has neither.',
  },
  {
    names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd'],
    why:
      "They read or change another process's memory, registers or descriptors; the guest " +
      'has nothing legitimate to inspect, and ptrace has a long history of kernel bugs.',
  },
  {
    names: ['process_madvise'],
    why: "It acts on another process's memory through a pidfd.",
  },
  {
    names: ['bpf', 'perf_event_open'],
    why: 'Large kernel attack surfaces (verifier, PMU drivers) with many privilege-escalation bugs.',
  },
  {
    names: ['userfaultfd'],
    why:
      'It lets a thread stall the kernel in the middle of a copy from user memory: the classic ' +
      'tool for widening a kernel race into a working exploit.',
  },
  {
    names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
    why:
      'Operations submitted through an io_uring run in the kernel without passing through ' +
      'seccomp (IORING_OP_SOCKET, IORING_OP_OPENAT, …): allowing it would reopen what this ' +
      'filter closes. libuv falls back to its thread pool.',
  },
  {
    names: ['keyctl', 'add_key', 'request_key'],
    why:
      'Kernel keyrings are not namespaced: keys persist across runs and are visible to other ' +
      'processes of the same uid, a channel between sandboxes.',
  },
  {
    names: ['unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'chroot'],
    why:
      'A nested user namespace gives the guest a full capability set over a private copy of ' +
      'the mount tree and network stack: kernel code otherwise reachable only by root.',
  },
  {
    names: ['open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'],
    why: 'The new mount API: the same powers as mount(2) through other doors.',
  },
  {
    names: ['name_to_handle_at', 'open_by_handle_at'],
    why:
      'File handles open files by inode, past the mount view the sandbox was given (the ' +
      '"shocker" container escape used open_by_handle_at).',
  },
  {
    names: [
      'mbind',
      'set_mempolicy',
      'set_mempolicy_home_node',
      'get_mempolicy',
      'migrate_pages',
      'move_pages',
    ],
    why: 'NUMA placement: no use to Python, and migrate_pages/move_pages act on other processes.',
  },
  {
    names: ['settimeofday', 'clock_settime', 'stime', 'adjtimex', 'clock_adjtime'],
    why:
      'Time setters (Docker allows adjtimex/clock_adjtime because they only read without ' +
      'CAP_SYS_TIME; nothing here needs them, and the clock is not namespaced).',
  },
  {
    names: [
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
      'quotactl',
      'quotactl_fd',
      'sethostname',
      'setdomainname',
      'vhangup',
    ],
    why: 'Administration of the host machine, never the business of a sandboxed program.',
  },
  {
    names: ['bind', 'listen', 'connect', 'accept', 'accept4'],
    why:
      "The only sockets a sandbox holds are the host's socket pairs (fds 2 and 3), made in the " +
      "host's network namespace: binding one claimed an abstract name in the host's namespace " +
      '(measured: a host service could then not bind it). No socket of the sandbox needs an address.',
  },
  {
    names: ['sync', 'syncfs'],
    why: "They flush the host's dirty pages of every file system (measured: 400 MB), not the sandbox's.",
  },
  {
    names: ['flock'],
    why:
      "A lock on a file bound in from the host blocks the host's own processes that lock it " +
      '(flock works on files opened read-only).',
  },
  {
    names: ['io_setup', 'io_submit', 'io_getevents', 'io_pgetevents', 'io_cancel', 'io_destroy'],
    why:
      'Linux AIO contexts count against a system-wide limit (fs.aio-max-nr): one io_setup(65536) ' +
      "took all of it for the sandbox's life, and every host process's io_setup failed.",
  },
  {
    names: ['inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'],
    why:
      "inotify instances and watches count against per-user limits shared with the host's " +
      'processes of the same uid (measured: the host could open no inotify instance).',
  },
  {
    names: ['iopl', 'ioperm', 'modify_ldt'],
    why:
      'Raw I/O-port access and 16-bit segments (x86 only); modify_ldt serves only old ' +
      '16-bit code and has had several kernel bugs.',
  },
]

/**
 * pyward's seccomp policy. Default: EPERM, as Docker, so a program that probes a call sees
 * "operation not permitted" rather than a crash.
 */
export const SECCOMP_POLICY: SeccompPolicy = {
  defaultAction: errno(EPERM),
  foreignAbiAction: { kind: 'kill-process' },
  allow: ALLOWED,
  rules: RULES,
  denied: DENIED,
}

/** Every syscall name the policy mentions, sorted: what the generated tables must cover. */
export function policySyscallNames(policy: SeccompPolicy = SECCOMP_POLICY): string[] {
  const names = new Set([
    ...policy.allow,
    ...policy.rules.map((rule) => rule.syscall),
    ...policy.denied.flatMap((denial) => denial.names),
  ])
  return [...names].sort()
}
