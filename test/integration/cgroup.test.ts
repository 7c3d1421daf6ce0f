/**
 * Each sandbox in a cgroup of its own, read from the host's side: the sandbox's program is in a
 * leaf with the memory and task limits, and the leaf is gone once the sandbox is closed.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Sandbox } from '../../src/index.ts'
import { findCgroupParent } from '../../src/isolation/cgroup-parent.ts'
import {
  CGROUP_MEMORY_MARGIN_MB,
  processMemoryLimitMb,
  SANDBOX_TASKS,
} from '../../src/policy/limits.ts'
import { findSandboxPids } from '../helpers/sandbox-processes.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

describe('the sandbox cgroup', () => {
  it('holds the sandbox with its limits, and is removed when it closes', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const lookup = findCgroupParent()
    assert.ok(lookup.ok, 'this host gives pyward a cgroup (see README, "What the tests need")')
    const sandbox = await Sandbox.create({ memoryMb: 128 })
    const [pid] = findSandboxPids()
    assert.ok(pid, 'the sandbox program is found')
    const membership = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    const leafOf = (controller: string) => {
      const line = membership
        .split('\n')
        .find((entry) => entry.split(':')[1]?.split(',').includes(controller))
      return line?.split(':')[2] ?? ''
    }
    const parent = lookup.parent
    const dirs =
      parent.version === 1
        ? {
            memory: join(parent.memory, leafOf('memory').split('/').pop() ?? ''),
            pids: join(parent.pids, leafOf('pids').split('/').pop() ?? ''),
          }
        : (() => {
            const line = membership.split('\n').find((entry) => entry.startsWith('0::')) ?? ''
            const dir = join(parent.dir, line.slice(3).split('/').pop() ?? '')
            return { memory: dir, pids: dir }
          })()
    for (const dir of Object.values(dirs)) assert.match(dir, /\/pyward-[0-9a-f]{16}$/)
    const memoryFile = parent.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'
    assert.equal(
      Number(readFileSync(join(dirs.memory, memoryFile), 'utf8')),
      (processMemoryLimitMb(128) + CGROUP_MEMORY_MARGIN_MB) * 1024 * 1024,
    )
    assert.equal(readFileSync(join(dirs.pids, 'pids.max'), 'utf8').trim(), String(SANDBOX_TASKS))
    const result = await sandbox.run('sum(range(10**6))')
    assert.equal(result.status, 'ok')
    assert.ok(result.usage.cpuMs > 0, 'CPU is accounted')
    await sandbox.close()
    for (const dir of Object.values(dirs))
      assert.equal(existsSync(dir), false, `${dir} was removed`)
  })
})
