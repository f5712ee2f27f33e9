import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { audioExTag, videoExTag } from '../../src/media/ex-tag-builder'
import type { MediaMessage } from '../../src/media/media-message'
import { hex } from '../helpers/hex'
import { enhancedFixture, type EnhancedFixtureName } from '../media/enhanced-fixtures'
import { FakeClock } from './live-harness'

const video = (timestamp: number, name: EnhancedFixtureName): MediaMessage => ({ type: 'video', timestamp, data: enhancedFixture(name) })
const audio = (timestamp: number, name: EnhancedFixtureName): MediaMessage => ({ type: 'audio', timestamp, data: enhancedFixture(name) })

function statsOf(messages: readonly MediaMessage[]) {
  const router = new LiveRouter({ clock: new FakeClock() })
  const pub = router.publish('live', 'cam')!
  for (const m of messages) pub.write(m)
  return router.streamStats('live', 'cam')!
}

describe('LiveRouter statistics for Enhanced RTMP codecs (ffmpeg 9 captures)', () => {
  it('reports HEVC profile, level and size from the hvcC, and Opus rate and channels from OpusHead', () => {
    const s = statsOf([
      video(0, 'hevc-main-318x178.seqstart'),
      video(0, 'hevc-main-318x178.keyframe'),
      audio(0, 'opus-48k-stereo.seqstart'),
      audio(0, 'opus-48k-stereo.multichannel'),
    ])
    expect(s.video).toMatchObject({ codec: 'hevc', profile: 1, level: 60, width: 318, height: 178, frames: 1, keyframes: 1 })
    expect(s.audio).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 2, objectType: null })
  })

  it('reports AV1 from its sequence header after an empty one, and FLAC from STREAMINFO', () => {
    const s = statsOf([
      video(0, 'av1-libaom-322x182.empty-seqstart'),
      video(0, 'av1-libaom-322x182.seqstart'),
      audio(0, 'flac-44k-mono.seqstart'),
    ])
    expect(s.video).toMatchObject({ codec: 'av1', profile: 0, level: 0, width: 322, height: 182 })
    expect(s.audio).toMatchObject({ codec: 'flac', sampleRate: 44100, channels: 1 })
  })

  it('takes the VP9 size from the first keyframe (vpcC has none), profile and level from vpcC', () => {
    const header = statsOf([video(0, 'vp9-p1-444-320x240.seqstart')])
    expect(header.video).toMatchObject({ codec: 'vp9', profile: 1, level: 20, width: null, height: null })
    const s = statsOf([video(0, 'vp9-p1-444-320x240.seqstart'), video(0, 'vp9-p1-444-320x240.keyframe')])
    expect(s.video).toMatchObject({ codec: 'vp9', profile: 1, level: 20, width: 320, height: 240, keyframes: 1 })
  })

  it('reads AC-3 and E-AC-3 rate and channels from the first frames (their SequenceStart is empty)', () => {
    expect(statsOf([audio(0, 'ac3-48k-stereo.empty-seqstart'), audio(0, 'ac3-48k-stereo.frame')]).audio).toMatchObject({
      codec: 'ac-3',
      sampleRate: 48000,
      channels: 2,
      frames: 1,
    })
    expect(statsOf([audio(0, 'eac3-48k-stereo.frame')]).audio).toMatchObject({ codec: 'ec-3', sampleRate: 48000, channels: 2 })
  })

  it('reads an MP3 frame header, which knows rates the 2-bit FLV field cannot say (48 kHz)', () => {
    // legacy MP3 (2), header bits claim 44 kHz stereo; the frame header says MPEG-1 layer III 48 kHz mono
    const s = statsOf([{ type: 'audio', timestamp: 0, data: hex`2f ff fb 94 c4 00` }])
    expect(s.audio).toMatchObject({ codec: 'mp3', sampleRate: 48000, channels: 1 })
  })

  it('reports the first track of a multitrack AVC sequence header, and AAC from an mp4a SequenceStart', () => {
    const s = statsOf([
      video(0, 'avc-multitrack-160x120.seqstart'),
      { type: 'audio', timestamp: 0, data: audioExTag({ packetType: 0, fourCc: 'mp4a', payload: hex`11 90` }) },
    ])
    expect(s.video).toMatchObject({ codec: 'avc', profile: 66, level: 11, width: 160, height: 120 })
    expect(s.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2, objectType: 2 })
  })

  it('keeps forwarding and leaves the figures unknown when a record is malformed', () => {
    const s = statsOf([
      { type: 'video', timestamp: 0, data: videoExTag({ frameType: 'key', packetType: 0, fourCc: 'hvc1', payload: hex`01 02 03` }) },
      { type: 'audio', timestamp: 0, data: audioExTag({ packetType: 0, fourCc: 'Opus', payload: hex`4f 70` }) },
    ])
    expect(s.video).toMatchObject({ codec: 'hevc', profile: null, width: null })
    expect(s.audio).toMatchObject({ codec: 'opus', sampleRate: null, channels: null })
    expect(s.bytesIn).toBeGreaterThan(0)
  })
})
