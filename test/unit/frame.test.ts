import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { describe, it } from 'node:test'
import {
  encodeFrameHeader,
  encodeMessageFrame,
  FRAME_KIND,
  FrameDecoder,
  FrameError,
} from '../../src/protocol/frame.ts'

describe('FrameDecoder', () => {
  it('reassembles frames split at every byte boundary', () => {
    const payload = Buffer.from('hello')
    const bytes = Buffer.concat([
      encodeMessageFrame({ type: 'done', id: 1 }),
      encodeFrameHeader(FRAME_KIND.stdout, payload.byteLength),
      payload,
    ])
    const decoder = new FrameDecoder()
    const frames = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])))
    assert.equal(frames.length, 2)
    assert.deepEqual(JSON.parse(frames[0]?.payload.toString() ?? ''), { type: 'done', id: 1 })
    assert.equal(frames[1]?.kind, FRAME_KIND.stdout)
    assert.equal(frames[1]?.payload.toString(), 'hello')
  })

  it('fails closed on a frame longer than the cap, before buffering it', () => {
    const decoder = new FrameDecoder(1024)
    assert.throws(() => decoder.push(encodeFrameHeader(FRAME_KIND.stdout, 4096)), FrameError)
  })

  it('fails closed on an unknown frame kind and on an empty frame', () => {
    const unknown = Buffer.from([0, 0, 0, 1, 99])
    assert.throws(() => new FrameDecoder().push(unknown), /unknown frame kind 99/)
    assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 1])), FrameError)
  })

  it('caps message frames below the frame cap when told to, and leaves output frames alone', () => {
    const decoder = new FrameDecoder(1024 * 1024)
    decoder.limitMessages(64)
    assert.throws(() => decoder.push(encodeFrameHeader(FRAME_KIND.message, 4096)), /4097 bytes/)
    const fresh = new FrameDecoder(1024 * 1024)
    fresh.limitMessages(64)
    assert.deepEqual(fresh.push(encodeFrameHeader(FRAME_KIND.stdout, 4096)), [])
    fresh.limitMessages(8192)
    const small = new FrameDecoder(1024 * 1024)
    small.limitMessages(8192)
    assert.equal(small.push(encodeMessageFrame({ type: 'done', id: 'x' })).length, 1)
  })
})
