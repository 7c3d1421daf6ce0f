import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isIncomplete } from '../../src/cli/repl-input.ts'

describe('isIncomplete', () => {
  it('runs a simple statement at once', () => {
    assert.equal(isIncomplete(['x = 1']), false)
    assert.equal(isIncomplete(['print("a:")']), false)
  })

  it('waits for an empty line after a block opens', () => {
    assert.equal(isIncomplete(['def f():']), true)
    assert.equal(isIncomplete(['def f():', '    return 1']), true)
    assert.equal(isIncomplete(['def f():', '    return 1', '']), false)
  })

  it('waits while brackets or triple-quoted strings are open', () => {
    assert.equal(isIncomplete(['x = (1,']), true)
    assert.equal(isIncomplete(['x = (1,', '2)']), false)
    assert.equal(isIncomplete(['s = """a']), true)
    assert.equal(isIncomplete(['s = """a', 'b"""']), false)
    assert.equal(isIncomplete(['x = 1 + \\']), true)
  })
})
