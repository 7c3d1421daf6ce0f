/**
 * The host's reading of a sandbox's memory must not be blinded by the sandbox: a process whose
 * main thread has exited while another thread runs has no VmRSS line of its own.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { it } from 'node:test'
import { readProcessRssBytes } from '../../src/runtimes/process-stats.ts'

const PYTHON = '/usr/bin/python3'
const HEADLESS = `
import ctypes, sys, threading, time
def hold():
    block = bytearray(64 << 20)
    sys.stdout.write('ready\\n'); sys.stdout.flush()
    time.sleep(30)
threading.Thread(target=hold).start()
time.sleep(0.5)
ctypes.CDLL(None).syscall(60 if __import__('platform').machine() == 'x86_64' else 93, 0)  # SYS_exit
`

it('reads the memory of a process whose main thread has exited', {
  skip: existsSync(PYTHON) ? false : `${PYTHON} is not installed`,
}, async (t) => {
  const child = spawn(PYTHON, ['-c', HEADLESS], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => child.kill('SIGKILL'))
  await new Promise((resolve) => child.stdout.once('data', resolve))
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const pid = child.pid as number
  assert.doesNotMatch(readFileSync(`/proc/${pid}/status`, 'utf8'), /^VmRSS:/m, 'the leader is gone')
  const rss = readProcessRssBytes(pid)
  assert.ok(rss !== null && rss > 64 << 20, `resident: ${rss}`)
})
