import type { AmfObject } from 'rtmp-kit'

// Synthetic FLV tag bodies for the soak: shaped like H.264 + AAC (so the live router sees keyframes and
// sequence headers and caches GOPs), not decodable. Made once and shared: the soak measures the server's
// memory, not its own.

export const FRAME_MS = 40
export const GOP_FRAMES = 25

export const METADATA: AmfObject = { width: 640, height: 360, framerate: 25, videocodecid: 7, audiocodecid: 10, encoder: 'rtmp-kit soak' }

/** AVCDecoderConfigurationRecord (baseline 3.0, one SPS and one PPS) behind the AVC sequence header bytes. */
export const AVC_HEADER = Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xce, 0x3c, 0x80)
/** AAC LC, 44.1 kHz, stereo. */
export const AAC_HEADER = Uint8Array.of(0xaf, 0, 0x12, 0x10)

function tag(prefix: readonly number[], size: number): Uint8Array {
  const data = new Uint8Array(size).fill(0x5a)
  data.set(prefix)
  return data
}

const KEYFRAME = tag([0x17, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x65], 6000)
const INTERFRAME = tag([0x27, 1, 0, 0, 0, 0, 0, 0x04, 0, 0x41], 1200)
const AUDIO = tag([0xaf, 1], 180)

/** Video frame `n` of a stream: a keyframe every GOP_FRAMES. */
export const videoFrame = (n: number): Uint8Array => (n % GOP_FRAMES === 0 ? KEYFRAME : INTERFRAME)
export const audioFrame = (): Uint8Array => AUDIO

/**
 * The start of a chunk that a peer never finishes: fmt 0 on csid 6, a 64 KiB video message on stream 1, and
 * its first 100 bytes. Written right before a reset, it leaves the server's reader mid-message.
 */
export const PARTIAL_CHUNK = Uint8Array.of(0x06, 0, 0, 0, 0x01, 0, 0, 9, 1, 0, 0, 0, ...new Array<number>(100).fill(0x27))
