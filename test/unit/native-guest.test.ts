/**
 * The native runtime's Python entry keeps copies of the protocol's constants (it is Python, and
 * imports nothing of the host's TypeScript): they must be the host's.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { MAX_FRAME_BYTES, MAX_OUTPUT_FRAME_BYTES } from '../../src/protocol/frame.ts'
import { MAX_LISTED_FILES } from '../../src/protocol/protocol-limits.ts'
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts'

const source = readFileSync(
  new URL('../../src/runtimes/native/guest/native_main.py', import.meta.url),
  'utf8',
)

function constant(name: string): number {
  const match = new RegExp(`^${name} = (.+)$`, 'm').exec(source)
  assert.ok(match, `native_main.py defines ${name}`)
  // Python's integer syntax here: digits, underscores and products of them.
  const value = (match[1] as string)
    .replaceAll('_', '')
    .split('*')
    .reduce((product, factor) => product * Number(factor.trim()), 1)
  assert.ok(Number.isInteger(value), `${name} is ${match[1]}`)
  return value
}

describe("native_main.py's protocol constants", () => {
  it('match the host', () => {
    assert.equal(constant('PROTOCOL_VERSION'), PROTOCOL_VERSION)
    assert.equal(constant('MAX_FRAME_BYTES'), MAX_FRAME_BYTES)
    assert.equal(constant('MAX_OUTPUT_FRAME_BYTES'), MAX_OUTPUT_FRAME_BYTES)
    assert.equal(constant('MAX_LISTED_FILES'), MAX_LISTED_FILES)
  })
})
