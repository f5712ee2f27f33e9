import { describe, expect, it } from 'vitest'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import type { MediaMessage } from '../../src/media/media-message'
import { PlayHistory, PlaySwitch } from '../../src/transport/play-switch'

const avcHeader: MediaMessage = { type: 'video', timestamp: 0, data: new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42]) }
const key = (ts: number): MediaMessage => ({ type: 'video', timestamp: ts, data: new Uint8Array([0x17, 1, 0, 0, 0, ts & 0xff]) })
const inter = (ts: number): MediaMessage => ({ type: 'video', timestamp: ts, data: new Uint8Array([0x27, 1, 0, 0, 0, ts & 0xff]) })
const aacHeader: MediaMessage = { type: 'audio', timestamp: 0, data: new Uint8Array([0xaf, 0, 0x12, 0x10]) }
const aac = (ts: number): MediaMessage => ({ type: 'audio', timestamp: ts, data: new Uint8Array([0xaf, 1, ts & 0xff]) })
const metadata: MediaMessage = { type: 'data', timestamp: 0, data: encodeAmf0(['onMetaData', { width: 640 }]) }
const at = (ts: number, m: MediaMessage): MediaMessage => ({ ...m, timestamp: ts })

/** A GOP every 200 ms, a frame every 40 ms, with audio: what a player got from 0 through `until`. */
function history(until: number): PlayHistory {
  const h = new PlayHistory()
  for (const m of [metadata, avcHeader, aacHeader]) h.note(m)
  for (let ts = 0; ts <= until; ts += 40) {
    h.note(ts % 200 === 0 ? key(ts) : inter(ts))
    h.note(aac(ts))
  }
  return h
}

/** Feeds messages from the new connection; returns what was delivered. */
function feed(sw: PlaySwitch, messages: readonly MediaMessage[]): MediaMessage[] {
  return messages.flatMap((m) => sw.fromNew(m))
}

describe('PlaySwitch', () => {
  it('switches at a keyframe newer than anything delivered, with the new metadata and sequence headers first', () => {
    const sw = new PlaySwitch(history(360))
    expect(feed(sw, [metadata, avcHeader, aacHeader])).toEqual([])
    expect(sw.switched).toBe(false)
    expect(feed(sw, [key(400)])).toEqual([at(400, metadata), at(400, avcHeader), at(400, aacHeader), key(400)])
    expect(sw.switched).toBe(true)
    expect(feed(sw, [aac(400), inter(440)])).toEqual([aac(400), inter(440)])
  })

  it('continues a replayed GOP right after the newest frame delivered (same server, GOP cache)', () => {
    const sw = new PlaySwitch(history(320)) // delivered: keyframe 200, then up to 320
    const replay = [metadata, avcHeader, aacHeader, key(200), aac(200), inter(240), aac(240), inter(280), aac(280), inter(320), aac(320)]
    expect(feed(sw, replay)).toEqual([])
    expect(sw.switched).toBe(true) // at the known keyframe
    expect(feed(sw, [inter(360), aac(360), key(400)])).toEqual([inter(360), aac(360), key(400)])
  })

  it('drops frames before the first keyframe of the new connection', () => {
    const sw = new PlaySwitch(history(360))
    expect(feed(sw, [inter(440), aac(440), inter(480)])).toEqual([])
    expect(sw.switched).toBe(false)
  })

  it('holds a GOP it cannot place (another timeline) until the old connection is given up', () => {
    const sw = new PlaySwitch(history(10_000))
    expect(feed(sw, [avcHeader, key(0), aac(0), inter(40)])).toEqual([])
    expect(sw.switched).toBe(false)
    expect(sw.force()).toEqual([at(0, avcHeader), key(0), aac(0), inter(40)])
    expect(sw.switched).toBe(true)
    expect(feed(sw, [inter(80)])).toEqual([inter(80)]) // no cut after a forced switch: the timelines differ
  })

  it('given up with nothing held, it switches at the next keyframe whatever its time', () => {
    const sw = new PlaySwitch(history(10_000))
    expect(sw.force()).toEqual([])
    expect(feed(sw, [inter(40), avcHeader])).toEqual([])
    expect(feed(sw, [key(80)])).toEqual([at(80, avcHeader), key(80)])
    expect(sw.switched).toBe(true)
  })

  it('switches a stream without video at audio frames', () => {
    const h = new PlayHistory()
    for (let ts = 0; ts <= 100; ts += 20) h.note(aac(ts))
    const sw = new PlaySwitch(h)
    expect(feed(sw, [aacHeader, aac(60), aac(80)])).toEqual([]) // the same frames: switched, cut
    expect(sw.switched).toBe(true)
    expect(feed(sw, [aac(100), aac(120)])).toEqual([aac(120)])
  })
})
