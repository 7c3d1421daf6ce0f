import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OutputCapture } from '../../src/runtimes/output-capture.ts'

describe('OutputCapture', () => {
  it('keeps at most the cap per stream and reports the first overflow once', () => {
    const capture = new OutputCapture(10, {})
    assert.equal(capture.push('stdout', new TextEncoder().encode('12345678')), false)
    assert.equal(capture.push('stdout', new TextEncoder().encode('abcdef')), true)
    assert.equal(capture.push('stderr', new TextEncoder().encode('x'.repeat(20))), false)
    const result = capture.finish()
    assert.equal(result.stdout, '12345678ab')
    assert.equal(result.stderr, 'x'.repeat(10))
    assert.equal(result.stdoutTruncated, true)
    assert.equal(result.stderrTruncated, true)
  })

  it('decodes characters split across chunks and drops one cut by the cap', () => {
    const seen: string[] = []
    const capture = new OutputCapture(5, { onStdout: (text) => seen.push(text) })
    const bytes = new TextEncoder().encode('aé€') // 1 + 2 + 3 bytes
    capture.push('stdout', bytes.subarray(0, 2))
    capture.push('stdout', bytes.subarray(2))
    const result = capture.finish()
    assert.equal(result.stdout, 'aé')
    assert.equal(seen.join(''), 'aé')
    assert.equal(result.stdoutTruncated, true)
  })
})
