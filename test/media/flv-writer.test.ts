import { describe, it, expect } from 'vitest'
import { AmfEcmaArray } from '../../src/amf/amf-value'
import { FlvError } from '../../src/media/flv-error'
import { FlvReader, readFlvFile } from '../../src/media/flv-reader'
import type { FlvTag } from '../../src/media/flv-reader'
import { FlvWriter, writeFlvFile } from '../../src/media/flv-writer'
import { concat, hex, toHex } from '../helpers/hex'
import { property } from '../helpers/rng'
import { randomSplits } from '../helpers/split'
import { fileBytes, fileTags } from './flv-vectors'

describe('FlvWriter', () => {
  it('writes the vector file byte for byte', () => {
    expect(toHex(writeFlvFile(fileTags))).toBe(toHex(fileBytes))
  })

  it('writes the header with the first tag, then only tags', () => {
    const w = new FlvWriter()
    const data = hex`af 01 21`
    const first = w.writeTag(8, 0, data)
    expect(first).toHaveLength(4)
    expect(toHex(first[0]!)).toBe('46 4c 56 01 05 00 00 00 09 00 00 00 00')
    expect(toHex(first[1]!)).toBe('08 00 00 03 00 00 00 00 00 00 00')
    expect(first[2]).toBe(data) // the body is not copied
    expect(toHex(first[3]!)).toBe('00 00 00 0e')
    expect(w.writeTag(8, 23, data)).toHaveLength(3)
  })

  it('does not repeat the header after writeHeader()', () => {
    const w = new FlvWriter({ audio: false })
    expect(toHex(w.writeHeader())).toBe('46 4c 56 01 01 00 00 00 09 00 00 00 00')
    expect(w.writeTag(9, 0, hex`17`)).toHaveLength(3)
  })

  it('sets TypeFlags from the options', () => {
    expect(new FlvWriter({ video: false }).writeHeader()[4]).toBe(0x04)
    expect(new FlvWriter({ audio: false, video: false }).writeHeader()[4]).toBe(0x00)
  })

  it('puts the upper 8 bits of a timestamp ≥ 2^24 in the extension byte', () => {
    const [tagHeader] = new FlvWriter().writeTag(9, 0xfedcba98, hex`27`).slice(1)
    expect(toHex(tagHeader!)).toBe('09 00 00 01 dc ba 98 fe 00 00 00')
  })

  it('takes timestamps modulo 2^32', () => {
    const [tagHeader] = new FlvWriter().writeTag(9, 2 ** 32 + 5, hex`27`).slice(1)
    expect(toHex(tagHeader!.subarray(4, 8))).toBe('00 00 05 00')
  })

  it('writes MediaMessages by kind', () => {
    const w = new FlvWriter()
    w.writeHeader()
    expect(w.writeMessage({ type: 'audio', timestamp: 1, data: hex`af` })[0]![0]).toBe(8)
    expect(w.writeMessage({ type: 'video', timestamp: 1, data: hex`17` })[0]![0]).toBe(9)
    expect(w.writeMessage({ type: 'data', timestamp: 1, data: hex`05` })[0]![0]).toBe(18)
  })

  it('encodes script data with the AMF0 encoder (same bytes as the vector)', () => {
    const w = new FlvWriter()
    w.writeHeader()
    const parts = w.writeScriptData(0, ['onMetaData', AmfEcmaArray.from({ duration: 4 })])
    expect(toHex(concat(parts))).toBe(toHex(fileBytes.subarray(13, 13 + 11 + 40 + 4)))
  })

  it('rejects a body that does not fit DataSize (24 bits)', () => {
    const w = new FlvWriter()
    expect(() => w.writeTag(9, 0, new Uint8Array(0x1000000))).toThrow(
      expect.objectContaining({ code: 'RTMP_ERR_FLV_MALFORMED', reason: 'tag-too-large' }),
    )
    expect(() => w.writeTag(15 as FlvTag['type'], 0, hex`00`)).toThrow(FlvError)
  })

  it('round-trips random tags through the reader with random splits (property)', () => {
    property(100, (rng) => {
      const types = [8, 9, 18] as const
      const tags: FlvTag[] = Array.from({ length: rng.int(0, 20) }, () => ({
        type: rng.pick(types),
        timestamp: rng.bool() ? rng.int(0, 0xffffff) : rng.int(0, 0xffffffff),
        streamId: 0,
        data: rng.bytes(rng.int(0, 300)),
      }))
      const bytes = writeFlvFile(tags, { audio: rng.bool(), video: rng.bool() })
      const reader = new FlvReader()
      const out: FlvTag[] = []
      for (const piece of randomSplits(bytes, rng, rng.int(1, 100))) reader.push(piece, (t) => out.push(t))
      reader.end()
      expect(out.map((t) => ({ ...t, data: toHex(t.data) }))).toEqual(tags.map((t) => ({ ...t, data: toHex(t.data) })))
      expect(readFlvFile(bytes).error).toBeUndefined()
    })
  })
})
