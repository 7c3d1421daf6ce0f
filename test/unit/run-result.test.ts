import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toRunResult } from '../../src/api/run-result.ts'
import type { RunReport } from '../../src/runtimes/runtime.ts'

const context = { runtime: 'pyodide' as const, isolation: ['process' as const] }
const error = { type: 'ValueError', message: 'bad', traceback: 'Traceback...' }

function report(overrides: Partial<RunReport>): RunReport {
  return {
    outcome: null,
    stoppedBy: null,
    processExit: null,
    memoryCapHit: false,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    wallMs: 1.234,
    cpuMs: 0,
    heapBytes: 0,
    ...overrides,
  }
}

describe('toRunResult', () => {
  it('takes no value nested too deep to serialise again, or too heavy to parse cheaply', () => {
    // What a guest that answers for json.dumps can send (the sandbox's side is in its realm).
    for (const value of [
      '['.repeat(200_000) + ']'.repeat(200_000),
      `[${'0,'.repeat(1_100_000)}0]`,
    ]) {
      const result = toRunResult(
        report({ outcome: { kind: 'returned', value, valueRepr: '[1, 2]' } }),
        context,
      )
      assert.equal(result.status, 'ok')
      assert.equal(result.value, null)
      assert.equal(result.valueRepr, '[1, 2]')
      assert.doesNotThrow(() => JSON.stringify(result))
    }
  })

  it('gives ok, exit code 0 and the parsed value for a returned run', () => {
    const result = toRunResult(
      report({ outcome: { kind: 'returned', value: '{"a":[1]}', valueRepr: "{'a': [1]}" } }),
      context,
    )
    assert.equal(result.status, 'ok')
    assert.equal(result.exitCode, 0)
    assert.deepEqual(result.value, { a: [1] })
    assert.equal(result.valueRepr, "{'a': [1]}")
    assert.deepEqual(Object.keys(result).slice(0, 2), ['status', 'exitCode'])
  })

  it('maps exceptions and exits as python3 does', () => {
    assert.deepEqual(
      [toRunResult(report({ outcome: { kind: 'raised', error } }), context)].map((r) => [
        r.status,
        r.exitCode,
      ]),
      [['error', 1]],
    )
    const exited = toRunResult(report({ outcome: { kind: 'exited', exitCode: 3, error } }), context)
    assert.deepEqual([exited.status, exited.exitCode], ['error', 3])
    const clean = toRunResult(
      report({ outcome: { kind: 'exited', exitCode: 0, error: null } }),
      context,
    )
    assert.deepEqual([clean.status, clean.exitCode], ['ok', 0])
  })

  it('calls a MemoryError at the cap a memory_limit, and a MemoryError without it an error', () => {
    const memoryError = { ...error, type: 'MemoryError' }
    assert.equal(
      toRunResult(
        report({ outcome: { kind: 'raised', error: memoryError }, memoryCapHit: true }),
        context,
      ).status,
      'memory_limit',
    )
    assert.equal(
      toRunResult(report({ outcome: { kind: 'raised', error: memoryError } }), context).status,
      'error',
    )
  })

  it('lets what the host saw win over what the sandbox said', () => {
    const returned = { kind: 'returned' as const, value: '1', valueRepr: '1' }
    assert.equal(
      toRunResult(report({ outcome: returned, stdoutTruncated: true }), context).status,
      'output_limit',
    )
    assert.equal(toRunResult(report({ stoppedBy: 'timeout' }), context).status, 'timeout')
    assert.equal(toRunResult(report({ stoppedBy: 'abort' }), context).status, 'killed')
    assert.equal(toRunResult(report({ stoppedBy: 'output' }), context).exitCode, null)
  })

  it('reports a dead process as crashed, or as memory_limit when V8 ran out of heap', () => {
    const crashed = toRunResult(
      report({ processExit: { code: 134, signal: null, diagnostics: 'Abort' } }),
      context,
    )
    assert.equal(crashed.status, 'crashed')
    assert.match(crashed.error?.message ?? '', /exited with code 134/)
    const oom = report({
      processExit: {
        code: null,
        signal: 'SIGABRT',
        diagnostics: 'FATAL ERROR: JavaScript heap out of memory',
      },
    })
    assert.equal(toRunResult(oom, context).status, 'memory_limit')
    assert.equal(
      toRunResult(report({ outcome: { kind: 'fatal', message: 'RangeError' } }), context).status,
      'crashed',
    )
  })

  it('treats a malformed value from the sandbox as no value', () => {
    const result = toRunResult(
      report({ outcome: { kind: 'returned', value: '{not json', valueRepr: 'x' } }),
      context,
    )
    assert.equal(result.value, null)
  })
})
