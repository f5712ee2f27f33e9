import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { hex } from '../helpers/hex'

/**
 * Whole message payloads captured from ffmpeg 9 (Enhanced RTMP v1 + v2 FLV muxer), one per file in
 * test/fixtures/enhanced (see its README: the command, and what ffprobe said about the stream).
 */
// from the working directory (the project root), as test/fuzz/corpus.ts does: the fuzz CLI runs bundled elsewhere
const dir = (): string => join(process.cwd(), 'test', 'fixtures', 'enhanced')

export type EnhancedFixtureName =
  | 'hevc-main-318x178.seqstart'
  | 'hevc-main-318x178.metadata'
  | 'hevc-main-318x178.keyframe'
  | 'hevc-main10-320x240.seqstart'
  | 'av1-libaom-322x182.empty-seqstart'
  | 'av1-libaom-322x182.seqstart'
  | 'av1-libaom-322x182.keyframe'
  | 'av1-svt-320x240.seqstart'
  | 'vp9-p0-330x186.seqstart'
  | 'vp9-p0-330x186.keyframe'
  | 'vp9-p1-444-320x240.seqstart'
  | 'vp9-p1-444-320x240.keyframe'
  | 'avc-multitrack-160x120.seqstart'
  | 'opus-48k-stereo.seqstart'
  | 'opus-48k-stereo.multichannel'
  | 'flac-44k-mono.seqstart'
  | 'ac3-48k-stereo.empty-seqstart'
  | 'ac3-48k-stereo.frame'
  | 'eac3-48k-stereo.frame'
  | 'mp3-44k-stereo.frame'
  | 'opus-multitrack.seqstart'

export function enhancedFixture(name: EnhancedFixtureName): Uint8Array {
  return hex(readFileSync(join(dir(), `${name}.hex`), 'utf8'))
}

/** Every captured payload, by file name (fuzz seeds); empty when the directory is missing. */
export function allEnhancedFixtures(): Array<{ name: string; bytes: Uint8Array }> {
  if (!existsSync(dir())) return []
  return readdirSync(dir())
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), bytes: hex(readFileSync(join(dir(), f), 'utf8')) }))
}
