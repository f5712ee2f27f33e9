import type { MediaMessage } from '../../src/media/media-message'

// Small synthetic FLV tag bodies for relay tests: enough for flv-tag to classify them, numbered so a test can
// tell frames apart (the last two bytes hold a serial number).

export const metadata = (timestamp = 0): MediaMessage => ({
  type: 'data',
  timestamp,
  // AMF0 'onMetaData' + an empty object
  data: Uint8Array.of(2, 0, 10, ...Array.from('onMetaData', (c) => c.charCodeAt(0)), 3, 0, 0, 9),
})
export const videoHeader = (timestamp = 0): MediaMessage => ({ type: 'video', timestamp, data: Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0) })
export const audioHeader = (timestamp = 0): MediaMessage => ({ type: 'audio', timestamp, data: Uint8Array.of(0xaf, 0, 0x12, 0x10) })

function numbered(prefix: readonly number[], serial: number, size: number): Uint8Array {
  const data = new Uint8Array(Math.max(size, prefix.length + 2))
  data.set(prefix)
  data[data.length - 2] = (serial >> 8) & 0xff
  data[data.length - 1] = serial & 0xff
  return data
}

export const keyframe = (timestamp: number, serial = 0, size = 64): MediaMessage => ({ type: 'video', timestamp, data: numbered([0x17, 1, 0, 0, 0], serial, size) })
export const interframe = (timestamp: number, serial = 0, size = 64): MediaMessage => ({ type: 'video', timestamp, data: numbered([0x27, 1, 0, 0, 0], serial, size) })
export const audioFrame = (timestamp: number, serial = 0, size = 16): MediaMessage => ({ type: 'audio', timestamp, data: numbered([0xaf, 1], serial, size) })

/** The serial number a numbered frame carries. */
export const serialOf = (m: { data: Uint8Array }): number => (m.data[m.data.length - 2]! << 8) | m.data[m.data.length - 1]!

export type Kind = 'metadata' | 'video-header' | 'audio-header' | 'key' | 'inter' | 'audio'

export function kindOf(m: MediaMessage): Kind {
  if (m.type === 'data') return 'metadata'
  if (m.type === 'audio') return m.data[1] === 0 ? 'audio-header' : 'audio'
  if (m.data[1] === 0) return 'video-header'
  return m.data[0] === 0x17 ? 'key' : 'inter'
}

/**
 * A stream as a publisher sends it: metadata and sequence headers, then `gops` GOPs of `gopLength` video
 * frames (40 ms apart, the first a keyframe), each followed by one audio frame. Serials count the frames.
 */
export function liveStream(gops: number, gopLength: number, frameSize = 64): MediaMessage[] {
  const out: MediaMessage[] = [metadata(), videoHeader(), audioHeader()]
  let serial = 0
  for (let g = 0; g < gops; g++) {
    for (let f = 0; f < gopLength; f++) {
      const ts = serial * 40
      out.push(f === 0 ? keyframe(ts, serial, frameSize) : interframe(ts, serial, frameSize))
      out.push(audioFrame(ts, serial))
      serial++
    }
  }
  return out
}
