import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import type { RawMessage } from '../../src/chunk/raw-message'
import { audioInfo, videoInfo } from '../../src/media/flv-tag'
import { readFlvFile, type FlvTag } from '../../src/media/flv-reader'
import { hex } from '../helpers/hex'

/** C0+C1+C2 (or S0+S1+S2): what precedes the chunk stream. */
export const HANDSHAKE_BYTES = 1 + 1536 + 1536

/**
 * Real peers' bytes (test/fixtures, see its README) and what our own decoders find in them: chunk streams,
 * messages, FLV tags, codec configurations. Every target seeds its corpus from here as well as from its
 * generators. Loaded once; missing files give empty lists (the generators still work).
 */
export interface RealCorpus {
  /** client → server, handshake included: ffmpeg publishing, rtmpdump playing */
  readonly clientSessions: readonly Uint8Array[]
  /** server → client, handshake included: ffmpeg -listen answering a client whose C1 random bytes are zeros */
  readonly serverSessions: readonly Uint8Array[]
  readonly messages: readonly RawMessage[]
  readonly flvFiles: readonly Uint8Array[]
  readonly tags: readonly FlvTag[]
  readonly avcConfigs: readonly Uint8Array[]
  readonly aacConfigs: readonly Uint8Array[]
}

let loaded: RealCorpus | undefined

export function fixturesDir(): string {
  return join(process.cwd(), 'test', 'fixtures')
}

function load(name: string): Uint8Array | undefined {
  const path = join(fixturesDir(), name)
  return existsSync(path) ? hex(readFileSync(path, 'utf8')) : undefined
}

export function realCorpus(): RealCorpus {
  if (loaded) return loaded
  const present = (xs: Array<Uint8Array | undefined>): Uint8Array[] => xs.filter((x): x is Uint8Array => x !== undefined)
  const clientSessions = present([load('ffmpeg-publish.c2s.hex'), load('rtmpdump-play.c2s.hex')])
  const serverSessions = present([load('ffmpeg-listen.s2c.hex')])
  const flvFiles = present([load('ffmpeg-tiny.flv.hex')])
  const messages: RawMessage[] = []
  for (const s of [...clientSessions, ...serverSessions]) {
    try {
      new ChunkReader().receive(s.subarray(HANDSHAKE_BYTES), (m) => messages.push(m))
    } catch {
      // a capture our reader refuses is a finding for the chunk target, not a reason to lose the others
    }
  }
  const tags: FlvTag[] = flvFiles.flatMap((f) => readFlvFile(f).tags)
  const media = [
    ...tags.map((t) => ({ type: t.type, data: t.data })),
    ...messages.map((m) => ({ type: m.typeId, data: m.payload })),
  ]
  const avcConfigs: Uint8Array[] = []
  const aacConfigs: Uint8Array[] = []
  for (const m of media) {
    if (m.type === 9) {
      const v = videoInfo(m.data)
      if (v?.isSequenceHeader && v.codec === 'avc') avcConfigs.push(m.data.subarray(v.payloadOffset))
    } else if (m.type === 8) {
      const a = audioInfo(m.data)
      if (a?.isSequenceHeader && a.codec === 'aac') aacConfigs.push(m.data.subarray(a.payloadOffset))
    }
  }
  loaded = { clientSessions, serverSessions, messages, flvFiles, tags, avcConfigs, aacConfigs }
  return loaded
}
