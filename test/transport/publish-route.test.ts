import { describe, expect, it } from 'vitest'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import type { MediaMessage } from '../../src/media/media-message'
import { PublishRoute } from '../../src/transport/publish-route'

// Legacy AVC / AAC payloads: 0x17 key, 0x27 inter; packet type 0 = sequence header, 1 = coded data.
const avcHeader = (v = 0): MediaMessage => ({ type: 'video', timestamp: 0, data: new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0, v]) })
const key = (ts: number): MediaMessage => ({ type: 'video', timestamp: ts, data: new Uint8Array([0x17, 1, 0, 0, 0, ts & 0xff]) })
const inter = (ts: number): MediaMessage => ({ type: 'video', timestamp: ts, data: new Uint8Array([0x27, 1, 0, 0, 0, ts & 0xff]) })
const aacHeader: MediaMessage = { type: 'audio', timestamp: 0, data: new Uint8Array([0xaf, 0, 0x12, 0x10]) }
const aac = (ts: number): MediaMessage => ({ type: 'audio', timestamp: ts, data: new Uint8Array([0xaf, 1, ts & 0xff]) })
const metadata: MediaMessage = { type: 'data', timestamp: 0, data: encodeAmf0(['@setDataFrame', 'onMetaData', { width: 640 }]) }

const at = (ts: number, m: MediaMessage): MediaMessage => ({ ...m, timestamp: ts })

/** A route that has seen an encoder's start: metadata, sequence headers, a GOP. */
function started(): PublishRoute {
  const route = new PublishRoute()
  for (const m of [metadata, avcHeader(), aacHeader, key(0), aac(0), inter(40), aac(40)]) expect(route.write(m)).toBe('send')
  return route
}

describe('PublishRoute', () => {
  it('sends every write to the current connection until a move is prepared, and up to the next keyframe after', () => {
    const route = started()
    route.prepare()
    expect(route.state).toBe('atBoundary')
    expect(route.isBoundary(inter(80))).toBe(false)
    expect(route.isBoundary(aac(80))).toBe(false) // a stream with video moves at video keyframes only
    expect(route.isBoundary(avcHeader())).toBe(false)
    expect(route.isBoundary(key(120))).toBe(true)
    expect(route.write(inter(80))).toBe('send')
    expect(route.state).toBe('atBoundary')
  })

  it('holds from the keyframe on, then gives the new connection metadata, sequence headers and the held writes', () => {
    const route = started()
    route.prepare()
    route.move() // the client calls this at the keyframe
    expect(route.write(key(120))).toEqual([])
    expect(route.write(aac(120))).toEqual([])
    expect(route.write(inter(160))).toEqual([])
    expect(route.published()).toEqual([at(120, metadata), at(120, avcHeader()), at(120, aacHeader), key(120), aac(120), inter(160)])
    expect(route.state).toBe('direct')
    expect(route.write(inter(200))).toBe('send')
  })

  it('after losing the old connection mid-GOP it drops frames until a keyframe (GOP-safe)', () => {
    const route = started()
    route.move()
    expect(route.write(inter(80))).toEqual([])
    expect(route.write(aac(80))).toEqual([])
    expect(route.published()).toEqual([]) // published, but nothing decodable yet
    expect(route.state).toBe('moving')
    expect(route.write(inter(120))).toEqual([])
    expect(route.write(key(160))).toEqual([at(160, metadata), at(160, avcHeader()), at(160, aacHeader), key(160)])
    expect(route.write(aac(160))).toBe('send')
  })

  it('sends the newest sequence header it saw, even one that came while holding', () => {
    const route = started()
    route.move()
    expect(route.write(at(70, avcHeader(9)))).toEqual([]) // a new codec configuration before the keyframe
    expect(route.write(key(120))).toEqual([])
    const out = route.published()
    expect(out[1]).toEqual(at(120, avcHeader(9)))
  })

  it('starts the hold over at the next keyframe when it outgrows its bound', () => {
    const route = new PublishRoute(20)
    route.write(avcHeader())
    route.move()
    route.write(key(0)) // 6 bytes
    route.write(inter(40))
    route.write(inter(80))
    route.write(inter(120)) // 24 bytes: over, dropped
    route.write(inter(160))
    expect(route.published()).toEqual([])
    expect(route.write(key(200))).toEqual([at(200, avcHeader()), key(200)])
  })

  it('moves a stream without video at any audio frame', () => {
    const route = new PublishRoute()
    route.write(aacHeader)
    route.write(aac(0))
    route.prepare()
    expect(route.isBoundary(aacHeader)).toBe(false)
    expect(route.isBoundary(aac(20))).toBe(true)
    route.move()
    expect(route.write(aac(20))).toEqual([])
    expect(route.published()).toEqual([at(20, aacHeader), aac(20)])
  })

  it('cancel() returns to direct writes when the new connection did not come', () => {
    const route = started()
    route.prepare()
    route.cancel()
    expect(route.state).toBe('direct')
    expect(route.write(key(80))).toBe('send')
  })
})
