import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseLoaderListing, readElfInterpreter } from '../../src/isolation/binary-dependencies.ts'
import { buildBwrapArgs } from '../../src/isolation/bwrap-args.ts'
import {
  findCgroupParent,
  parseCgroupMembership,
  parseCgroupMounts,
} from '../../src/isolation/cgroup-parent.ts'
import { findOnPath } from '../../src/isolation/host-support.ts'
import { buildLauncher } from '../../src/isolation/launcher.ts'

const command = {
  root: {
    binds: [{ hostPath: '/usr/bin/node', sandboxPath: '/usr/bin/node' }],
    tmpfs: [{ sandboxPath: '/tmp', sizeBytes: 1024 * 1024 }],
  },
  program: '/usr/bin/node',
  args: ['--flag', 'entry.js'],
  env: { A: '1' },
  seccompFd: 4,
}

/** The values that follow each occurrence of `flag`. */
function valuesOf(args: string[], flag: string, count = 1): string[][] {
  return args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 1 + count)] : []))
}

describe('buildBwrapArgs', () => {
  const args = buildBwrapArgs(command)
  const options = args.slice(0, args.indexOf('--'))

  it('asks for every namespace by name, no nested user namespaces, and a clean start', () => {
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--unshare-net',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--clearenv',
    ]) {
      assert.ok(options.includes(flag), flag)
    }
    // "-try" variants would quietly share a namespace the kernel cannot make.
    assert.ok(!options.some((arg) => arg.startsWith('--unshare') && arg.endsWith('-try')))
    assert.ok(!options.includes('--share-net'))
  })

  it('binds only read-only, caps every tmpfs, and has no /sys', () => {
    assert.ok(!options.includes('--bind'))
    assert.deepEqual(
      valuesOf(options, '--ro-bind', 2).filter(([, to]) => !to?.startsWith('/proc/')),
      [['/usr/bin/node', '/usr/bin/node']],
    )
    const tmpfs = options.flatMap((arg, i) => (arg === '--tmpfs' ? [i] : []))
    assert.ok(tmpfs.length >= 2)
    for (const index of tmpfs) assert.equal(options[index - 2], '--size')
    assert.ok(!options.some((arg) => arg.startsWith('/sys')))
    assert.deepEqual(valuesOf(options, '--remount-ro'), [['/dev'], ['/']])
    // procfs checks by uid: its writable trees are bound read-only, root-only files masked.
    const covered = valuesOf(options, '--ro-bind', 2)
    const has = (entry: string) => existsSync(`/proc/${entry}`)
    for (const tree of ['sys', 'bus', 'irq', 'sysrq-trigger'].filter(has)) {
      const bound = covered.some(([from, to]) => from === `/proc/${tree}` && to === `/proc/${tree}`)
      assert.ok(bound, tree)
    }
    for (const file of ['kcore', 'kallsyms', 'kpageflags', 'timer_list', 'slabinfo'].filter(has)) {
      const masked = covered.some(([from, to]) => from === '/dev/null' && to === `/proc/${file}`)
      assert.ok(masked, file)
    }
    const firstProcBind = options.findIndex(
      (arg, i) => arg === '--ro-bind' && options[i + 2]?.startsWith('/proc/'),
    )
    assert.ok(firstProcBind > options.indexOf('--proc'), 'after /proc is mounted')
  })

  it('passes the environment, the seccomp fd, and the program after --', () => {
    assert.deepEqual(valuesOf(options, '--setenv', 2), [['A', '1']])
    assert.deepEqual(valuesOf(options, '--seccomp'), [['4']])
    assert.deepEqual(args.slice(args.indexOf('--') + 1), ['/usr/bin/node', '--flag', 'entry.js'])
    const unfiltered = buildBwrapArgs({ ...command, seccompFd: null })
    assert.ok(!unfiltered.includes('--seccomp'))
  })
})

describe('cgroup discovery', () => {
  const hybrid = [
    '30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
    '31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
    '32 25 0:28 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids',
    '33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
    '40 25 0:40 / /tmp rw - tmpfs tmpfs rw',
  ].join('\n')
  const membership = ['4:memory:/jobs/42', '3:pids:/', '2:cpu,cpuacct:/jobs', '0::/'].join('\n')

  it('reads mounts and membership', () => {
    const mounts = parseCgroupMounts(hybrid)
    assert.equal(mounts.length, 4)
    assert.deepEqual(
      mounts.map((m) => [m.mountPoint, m.version]),
      [
        ['/sys/fs/cgroup/unified', 2],
        ['/sys/fs/cgroup/memory', 1],
        ['/sys/fs/cgroup/pids', 1],
        ['/sys/fs/cgroup/cpu,cpuacct', 1],
      ],
    )
    const parsed = parseCgroupMembership(membership)
    assert.equal(parsed.get('memory'), '/jobs/42')
    assert.equal(parsed.get('cpuacct'), '/jobs')
    assert.equal(parsed.get(''), '/')
  })

  it('prefers v1 where memory is a v1 controller, under this process own cgroups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-cgroup-'))
    try {
      writeFileSync(join(dir, 'mountinfo'), hybrid)
      writeFileSync(join(dir, 'cgroup'), membership)
      const found = findCgroupParent({
        mountinfo: join(dir, 'mountinfo'),
        cgroup: join(dir, 'cgroup'),
      })
      // The directories do not exist here, so they cannot be written: reported, not assumed.
      assert.equal(found.ok, false)
      assert.match((found as { reason: string }).reason, /\/sys\/fs\/cgroup\/memory\/jobs\/42/)
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  it('on v2 needs memory and pids enabled for the children of the parent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyward-cgroup-'))
    try {
      const v2 = join(dir, 'v2')
      writeFileSync(join(dir, 'mountinfo'), `30 25 0:26 / ${v2} rw - cgroup2 cgroup2 rw`)
      writeFileSync(join(dir, 'cgroup'), '0::/')
      const proc = { mountinfo: join(dir, 'mountinfo'), cgroup: join(dir, 'cgroup') }
      rmSync(v2, { force: true, recursive: true })
      spawnSync('mkdir', ['-p', v2])
      writeFileSync(join(v2, 'cgroup.subtree_control'), 'cpu pids\n')
      const without = findCgroupParent(proc, {})
      assert.equal(without.ok, false)
      assert.match((without as { reason: string }).reason, /does not enable memory/)
      writeFileSync(join(v2, 'cgroup.subtree_control'), 'cpu memory pids\n')
      assert.deepEqual(findCgroupParent(proc, {}), { ok: true, parent: { version: 2, dir: v2 } })
      const delegated = join(dir, 'delegated')
      spawnSync('mkdir', ['-p', delegated])
      writeFileSync(join(delegated, 'cgroup.subtree_control'), 'memory pids\n')
      assert.deepEqual(findCgroupParent(proc, { PYWARD_CGROUP_PARENT: delegated }), {
        ok: true,
        parent: { version: 2, dir: delegated },
      })
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})

describe('buildLauncher', () => {
  const limits = { openFiles: 64, cpuSeconds: 7, fileSizeBytes: 0, addressSpaceBytes: null }

  it('sets the limits and execs the command with its arguments untouched', () => {
    const launcher = buildLauncher('/bin/sh', false, limits, '/bin/sh', [
      '-c',
      'ulimit -n; ulimit -t; ulimit -c; ulimit -f; ulimit -r; ulimit -l; printf "%s|" "$@"',
      'name',
      'a b',
      '$(touch /tmp/never)',
    ])
    const result = spawnSync(launcher.command, launcher.args, { encoding: 'utf8', env: {} })
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout.split('a b|')[0], '64\n7\n0\n0\n0\n0\n')
    assert.match(result.stdout, /a b\|\$\(touch \/tmp\/never\)\|/)
  })

  it('sets a file size and an address-space limit when asked', () => {
    const sized = { ...limits, fileSizeBytes: 1024 * 1024, addressSpaceBytes: 300 * 1024 * 1024 }
    const launcher = buildLauncher('/bin/sh', false, sized, '/bin/sh', [
      '-c',
      'grep -E "Max (file size|address space)" /proc/self/limits',
    ])
    const result = spawnSync(launcher.command, launcher.args, { encoding: 'utf8', env: {} })
    assert.match(result.stdout, /Max file size\s+1048576\s+1048576/)
    assert.match(result.stdout, /Max address space\s+314572800\s+314572800/)
  })

  it('lowers a size limit to the hard limit it was given, never raising it', {
    skip: !existsSync('/usr/bin/prlimit') ? 'needs util-linux prlimit' : false,
  }, () => {
    const sized = { ...limits, fileSizeBytes: 1024 * 1024, addressSpaceBytes: 900 * 1024 * 1024 }
    const launcher = buildLauncher('/bin/sh', false, sized, '/bin/sh', [
      '-c',
      'grep -E "Max (file size|address space)" /proc/self/limits',
    ])
    const result = spawnSync(
      '/usr/bin/prlimit',
      ['--fsize=65536', '--as=629145600', launcher.command, ...launcher.args],
      { encoding: 'utf8', env: {} },
    )
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /Max file size\s+65536\s+65536/)
    assert.match(result.stdout, /Max address space\s+629145600\s+629145600/)
  })

  it('leaves the address space alone when no limit is asked for', {
    skip: !existsSync('/usr/bin/prlimit') ? 'needs util-linux prlimit' : false,
  }, () => {
    const launcher = buildLauncher('/bin/sh', false, limits, '/bin/sh', [
      '-c',
      'grep -E "Max address space" /proc/self/limits',
    ])
    const result = spawnSync(
      '/usr/bin/prlimit',
      ['--as=629145600:1258291200', launcher.command, ...launcher.args],
      { encoding: 'utf8', env: {} },
    )
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /Max address space\s+629145600\s+1258291200/)
  })

  it('passes on no variable of its own', () => {
    const launcher = buildLauncher('/bin/sh', false, limits, '/usr/bin/env', [])
    const result = spawnSync(launcher.command, launcher.args, { encoding: 'utf8', env: {} })
    assert.equal(result.stdout, '')
  })

  it('caps queued signals where prlimit exists', { skip: !existsSync('/usr/bin/prlimit') }, () => {
    const launcher = buildLauncher('/bin/sh', false, limits, '/bin/sh', [
      '-c',
      'grep -E "Max (pending signals|msgqueue size)" /proc/self/limits',
    ])
    const result = spawnSync(launcher.command, launcher.args, { encoding: 'utf8', env: {} })
    assert.match(result.stdout, /Max pending signals\s+64\s+64/)
    assert.match(result.stdout, /Max msgqueue size\s+0\s+0/)
  })

  it('waits for "go" on fd 5 before it starts anything, and refuses anything else', () => {
    const launcher = buildLauncher('/bin/sh', true, limits, '/bin/echo', ['started'])
    const withFd5 = (message: string) =>
      spawnSync(
        '/bin/sh',
        ['-c', `printf '${message}\\n' | "$0" "$@" 5<&0`, launcher.command, ...launcher.args],
        {
          encoding: 'utf8',
        },
      )
    const started = withFd5('go')
    assert.equal(started.stdout, 'started\n', started.stderr)
    const refused = withFd5('no')
    assert.equal(refused.status, 125)
    assert.equal(refused.stdout, '')
  })
})

describe('binary dependencies', () => {
  it('parses the loader listing, and fails on a missing library', () => {
    const listing = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f30)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f31)',
    ].join('\n')
    assert.deepEqual(parseLoaderListing(listing), ['/lib/x86_64-linux-gnu/libc.so.6'])
    assert.throws(() => parseLoaderListing('\tlibfoo.so.1 => not found (0x0)'), /libfoo/)
    assert.throws(() => parseLoaderListing('\tlibfoo.so.1 => not found'), /libfoo/)
  })

  it('finds the ELF interpreter of this Node', { skip: process.platform !== 'linux' }, () => {
    assert.match(readElfInterpreter(process.execPath) ?? '', /^\/.*ld-linux.*\.so/)
  })
})

describe('findOnPath', () => {
  it('searches PATH in order and skips empty entries', () => {
    assert.equal(findOnPath('sh', '::/nonexistent:/bin'), '/bin/sh')
    assert.equal(findOnPath('sh', '/nonexistent'), null)
  })
})
