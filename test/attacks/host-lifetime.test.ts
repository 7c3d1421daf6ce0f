/**
 * A sandbox must not outlive its host, even busy, whatever its runtime: judged by whether its
 * process still exists.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { HAS_PROC } from '../helpers/sandbox-processes.ts'
import { RUNTIMES, type RuntimeName, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const HELPER = fileURLToPath(new URL('../helpers/busy-host.ts', import.meta.url))

/** True while `pid` runs (a zombie waiting for its new parent to reap it has ended). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

async function startBusyHost(runtime: RuntimeName, mode: 'exit' | 'wait') {
  const host = spawn(process.execPath, ['--import', 'tsx', HELPER, runtime, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const pid = await new Promise<number>((resolve, reject) => {
    host.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())))
    host.once('exit', () => reject(new Error('the helper host ended before starting its sandbox')))
  })
  assert.ok(Number.isInteger(pid) && pid > 0, `the sandbox pid: ${pid}`)
  return { host, pid }
}

async function waitUntilGone(pid: number, withinMs: number): Promise<number> {
  const started = performance.now()
  while (isRunning(pid) && performance.now() - started < withinMs) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}

for (const runtime of RUNTIMES) {
  describe(`a busy sandbox and the end of its host (${runtime})`, {
    skip: !HAS_PROC && 'needs /proc (Linux)',
  }, () => {
    it('dies when the host exits', { timeout: TEST_TIMEOUT_MS }, async () => {
      const { pid } = await startBusyHost(runtime, 'exit')
      await waitUntilGone(pid, 5_000)
      assert.equal(isRunning(pid), false, 'the sandbox outlived its host')
    })

    it('ends itself soon after the host is killed', { timeout: TEST_TIMEOUT_MS }, async () => {
      const { host, pid } = await startBusyHost(runtime, 'wait')
      await new Promise((resolve) => setTimeout(resolve, 300))
      host.kill('SIGKILL')
      await waitUntilGone(pid, 5_000)
      assert.equal(isRunning(pid), false, 'the sandbox outlived its killed host')
    })
  })
}
