/**
 * The host's end of the channel refuses a message that would cost it more to parse than any real
 * reply: the structure is counted, cheaply, before JSON.parse runs.
 */
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { encodeFrameHeader, FRAME_KIND } from '../../src/protocol/frame.ts'
import {
  countContainers,
  HostChannel,
  MAX_MESSAGE_CONTAINERS,
} from '../../src/protocol/host-channel.ts'

function frameOf(text: string): Buffer {
  const payload = Buffer.from(text)
  return Buffer.concat([encodeFrameHeader(FRAME_KIND.message, payload.byteLength), payload])
}

describe('HostChannel', () => {
  it('counts objects and arrays outside strings only', () => {
    const text = JSON.stringify({ a: [1, { b: '{[{["{' }], c: 'x\\"[' })
    assert.equal(countContainers(Buffer.from(text), 1000), 3)
    assert.equal(countContainers(Buffer.from(JSON.stringify('{[\\"]}')), 1000), 0)
  })

  it('refuses a message of millions of tiny objects before parsing it', () => {
    const socket = new PassThrough()
    const violations: string[] = []
    const messages: unknown[] = []
    new HostChannel(socket, {
      onMessage: (message) => messages.push(message),
      onOutput: () => {},
      onViolation: (reason) => violations.push(reason),
    })
    const flood = `{"type":"hello","x":[${'{},'.repeat(MAX_MESSAGE_CONTAINERS * 4)}{}]}`
    const started = performance.now()
    socket.write(frameOf(flood))
    assert.deepEqual(messages, [])
    assert.equal(violations.length, 1)
    assert.match(violations[0] ?? '', /more than 100000 objects and arrays/)
    // Not a timing assertion on the host's speed: the refusal must not have needed a parse.
    assert.ok(performance.now() - started < 5_000)
  })

  it('refuses a message frame larger than the reply it waits for', () => {
    const socket = new PassThrough()
    const violations: string[] = []
    const channel = new HostChannel(socket, {
      onMessage: () => {},
      onOutput: () => {},
      onViolation: (reason) => violations.push(reason),
    })
    channel.limitMessages(1024)
    socket.write(encodeFrameHeader(FRAME_KIND.message, 10 * 1024 * 1024))
    assert.equal(violations.length, 1)
    assert.match(violations[0] ?? '', /at most 1025 are expected/)
  })
})
