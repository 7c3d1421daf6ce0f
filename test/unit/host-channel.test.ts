/**
 * The host's end of the channel refuses a message that would cost it more to parse than any real
 * reply: the structure is counted, cheaply, before JSON.parse runs.
 */
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { encodeFrameHeader, FRAME_KIND } from '../../src/protocol/frame.ts'
import { HostChannel } from '../../src/protocol/host-channel.ts'
import { measureJson } from '../../src/protocol/json-shape.ts'

function frameOf(text: string): Buffer {
  const payload = Buffer.from(text)
  return Buffer.concat([encodeFrameHeader(FRAME_KIND.message, payload.byteLength), payload])
}

describe('HostChannel', () => {
  it('measures tokens and depth outside strings only', () => {
    const text = JSON.stringify({ a: [1, { b: '{[{[",:{' }], c: 'x\\"[' })
    assert.deepEqual(measureJson(Buffer.from(text)), { tokens: 8, depth: 3 })
    assert.deepEqual(measureJson(Buffer.from(JSON.stringify('{[\\"]},:'))), { tokens: 0, depth: 0 })
  })

  for (const [shape, member] of [
    ['tiny objects', '{},'],
    ['keys', '"k":0,'],
  ] as const) {
    it(`refuses a message made of millions of ${shape} before parsing it`, () => {
      const socket = new PassThrough()
      const violations: string[] = []
      const messages: unknown[] = []
      const channel = new HostChannel(socket, {
        onMessage: (message) => messages.push(message),
        onOutput: () => {},
        onViolation: (reason) => violations.push(reason),
      })
      channel.limitMessages({ bytes: 48 * 1024 * 1024, tokens: 1_000 })
      const body = member.startsWith('{')
        ? `[${member.repeat(1_000_000)}{}]`
        : `{${member.repeat(1_000_000)}"z":0}`
      socket.write(frameOf(`{"type":"hello","x":${body}}`))
      assert.deepEqual(messages, [])
      assert.equal(violations.length, 1)
      assert.match(violations[0] ?? '', /heavier than the reply expected/)
    })
  }

  it('hands consecutive output frames of one stream on as one', () => {
    const socket = new PassThrough()
    const outputs: string[] = []
    new HostChannel(socket, {
      onMessage: () => {},
      onOutput: (stream, bytes) => outputs.push(`${stream}:${bytes.toString()}`),
      onViolation: () => {},
    })
    const out = (kind: number, text: string) =>
      Buffer.concat([encodeFrameHeader(kind as never, text.length), Buffer.from(text)])
    socket.write(
      Buffer.concat([
        ...'abc'.split('').map((c) => out(FRAME_KIND.stdout, c)),
        out(FRAME_KIND.stderr, 'x'),
        out(FRAME_KIND.stdout, 'd'),
      ]),
    )
    assert.deepEqual(outputs, ['stdout:abc', 'stderr:x', 'stdout:d'])
  })

  it('refuses a message frame larger than the reply it waits for', () => {
    const socket = new PassThrough()
    const violations: string[] = []
    const channel = new HostChannel(socket, {
      onMessage: () => {},
      onOutput: () => {},
      onViolation: (reason) => violations.push(reason),
    })
    channel.limitMessages({ bytes: 1024, tokens: 1_000 })
    socket.write(encodeFrameHeader(FRAME_KIND.message, 10 * 1024 * 1024))
    assert.equal(violations.length, 1)
    assert.match(violations[0] ?? '', /at most 1025 are expected/)
  })
})
