import { describe, it, expect } from 'vitest'
import { AmfEcmaArray } from '../../src/amf/amf-value'
import { FlvError } from '../../src/media/flv-error'
import { FlvReader, decodeScriptData, readFlvFile } from '../../src/media/flv-reader'
import type { FlvReaderOptions, FlvTag } from '../../src/media/flv-reader'
import { concat, hex } from '../helpers/hex'
import { property } from '../helpers/rng'
import { bytewise, everySplit, randomSplits } from '../helpers/split'
import { cleanEnds, fileBytes, fileTags } from './flv-vectors'

/** Feeds `pieces` to one reader; returns the tags and the error (from push or end), if any. */
function feed(pieces: Uint8Array[], options?: FlvReaderOptions): { tags: FlvTag[]; error: unknown; reader: FlvReader } {
  const reader = new FlvReader(options)
  const tags: FlvTag[] = []
  try {
    for (const p of pieces) reader.push(p, (t) => tags.push(t))
    reader.end()
    return { tags, error: undefined, reader }
  } catch (error) {
    return { tags, error, reader }
  }
}

const plain = (tags: FlvTag[]) => tags.map((t) => ({ ...t, data: Array.from(t.data) }))

const file = (...parts: Uint8Array[]): Uint8Array => concat(parts)
const HEADER = hex`46 4c 56 01 05 00 00 00 09 00 00 00 00`

describe('FlvReader', () => {
  it('reads the vector file: header and every tag', () => {
    const { tags, error, reader } = feed([fileBytes])
    expect(error).toBeUndefined()
    expect(reader.header).toEqual({ version: 1, hasAudio: true, hasVideo: true, headerSize: 9 })
    expect(plain(tags)).toEqual(plain(fileTags))
  })

  it('gives the same tags for the input split at every byte', () => {
    for (const pieces of everySplit(fileBytes)) {
      const { tags, error } = feed(pieces)
      expect(error).toBeUndefined()
      expect(plain(tags)).toEqual(plain(fileTags))
    }
  })

  it('gives the same tags fed one byte at a time', () => {
    const { tags, error, reader } = feed(bytewise(fileBytes))
    expect(error).toBeUndefined()
    expect(reader.buffered).toBe(0)
    expect(plain(tags)).toEqual(plain(fileTags))
  })

  it('returns views into the pushed chunk, not copies, when a tag sits inside one chunk', () => {
    const { tags } = feed([fileBytes])
    for (const t of tags) expect(t.data.buffer).toBe(fileBytes.buffer)
  })

  it('decodes the script data tag with the AMF0 decoder', () => {
    const values = decodeScriptData(fileTags[0]!.data)
    expect(values[0]).toBe('onMetaData')
    expect(values[1]).toBeInstanceOf(AmfEcmaArray)
    expect(values[1]).toMatchObject({ duration: 4 })
  })

  it('for every truncation: no error while pushing, the complete tags, then end() is clean or truncated', () => {
    for (let n = 0; n <= fileBytes.length; n++) {
      const reader = new FlvReader()
      const tags: FlvTag[] = []
      reader.push(fileBytes.subarray(0, n), (t) => tags.push(t)) // "need more" is never an error
      const complete = fileTags.filter((_, i) => cleanEnds[2 + 2 * i]! <= n)
      expect(plain(tags), `cut at ${n}`).toEqual(plain(complete))
      if (cleanEnds.includes(n) || n === fileBytes.length) {
        expect(() => reader.end(), `cut at ${n}`).not.toThrow()
      } else {
        expect(() => reader.end(), `cut at ${n}`).toThrow(expect.objectContaining({ code: 'RTMP_ERR_FLV_MALFORMED', reason: 'truncated' }))
      }
    }
  })

  it('accepts a tag with an empty body', () => {
    const bytes = file(HEADER, hex`08 00 00 00 00 00 00 00 00 00 00`, hex`00 00 00 0b`)
    const { tags, error } = feed([bytes])
    expect(error).toBeUndefined()
    expect(tags).toHaveLength(1)
    expect(tags[0]!.data).toHaveLength(0)
  })

  it('skips the extra bytes of a header larger than 9', () => {
    const bytes = file(hex`46 4c 56 01 01 00 00 00 0c aa bb cc 00 00 00 00`, hex`09 00 00 01 00 00 00 00 00 00 00 27 00 00 00 0c`)
    const { tags, error, reader } = feed(bytewise(bytes))
    expect(error).toBeUndefined()
    expect(reader.header).toEqual({ version: 1, hasAudio: false, hasVideo: true, headerSize: 12 })
    expect(plain(tags)).toEqual([{ type: 9, timestamp: 0, streamId: 0, data: [0x27] }])
  })

  it('reports the stream id as read and ignores the reserved top bits of the tag type', () => {
    const bytes = file(HEADER, hex`c9 00 00 01 00 00 01 00 00 00 07 27 00 00 00 0c`)
    const { tags, error } = feed([bytes])
    expect(error).toBeUndefined()
    expect(tags[0]).toMatchObject({ type: 9, timestamp: 1, streamId: 7 })
  })

  it('tolerates a PreviousTagSize of 0 (some live muxers write it)', () => {
    const bytes = file(HEADER, hex`08 00 00 01 00 00 00 00 00 00 00 af 00 00 00 00`, hex`08 00 00 01 00 00 00 00 00 00 00 af 00 00 00 0c`)
    expect(feed([bytes]).tags).toHaveLength(2)
  })

  const errors: Array<{ name: string; bytes: Uint8Array; reason: string; offset: number; tagsBefore: number; options?: FlvReaderOptions }> = [
    { name: 'a wrong signature', bytes: hex`46 4c 58 01 05 00 00 00 09 00 00 00 00`, reason: 'signature', offset: 0, tagsBefore: 0 },
    { name: 'version 2', bytes: hex`46 4c 56 02 05 00 00 00 09 00 00 00 00`, reason: 'version', offset: 3, tagsBefore: 0 },
    { name: 'a header size of 8', bytes: hex`46 4c 56 01 05 00 00 00 08 00 00 00 00`, reason: 'header-size', offset: 5, tagsBefore: 0 },
    { name: 'a header size of 1 MiB', bytes: hex`46 4c 56 01 05 00 10 00 00`, reason: 'header-size', offset: 5, tagsBefore: 0 },
    { name: 'PreviousTagSize0 not 0', bytes: hex`46 4c 56 01 05 00 00 00 09 00 00 00 05`, reason: 'previous-tag-size', offset: 9, tagsBefore: 0 },
    {
      name: 'a PreviousTagSize that does not match, after a good tag',
      bytes: file(HEADER, hex`08 00 00 01 00 00 00 00 00 00 00 af 00 00 00 0d`),
      reason: 'previous-tag-size',
      offset: 25,
      tagsBefore: 1,
    },
    {
      name: 'an unknown tag type (15)',
      bytes: file(HEADER, hex`0f 00 00 01 00 00 00 00 00 00 00 00 00 00 00 0c`),
      reason: 'tag-type',
      offset: 13,
      tagsBefore: 0,
    },
    {
      name: 'the encryption filter bit',
      bytes: file(HEADER, hex`29 00 00 01 00 00 00 00 00 00 00 00 00 00 00 0c`),
      reason: 'tag-type',
      offset: 13,
      tagsBefore: 0,
    },
    {
      name: 'a tag above maxTagSize',
      bytes: file(HEADER, hex`09 00 01 00 00 00 00 00 00 00 00`),
      reason: 'tag-too-large',
      offset: 14,
      tagsBefore: 0,
      options: { maxTagSize: 0xff },
    },
    {
      name: 'a tag above the default 8 MiB bound (DataSize 0xffffff)',
      bytes: file(HEADER, hex`09 ff ff ff 00 00 00 00 00 00 00`),
      reason: 'tag-too-large',
      offset: 14,
      tagsBefore: 0,
    },
    {
      name: 'garbage after a good tag (in the same push)',
      bytes: file(HEADER, hex`08 00 00 01 00 00 00 00 00 00 00 af 00 00 00 0c`, hex`ff ff ff ff ff ff ff ff ff ff ff`),
      reason: 'tag-type',
      offset: 29,
      tagsBefore: 1,
    },
  ]
  for (const e of errors) {
    it(`rejects ${e.name} with reason ${e.reason}, keeping the tags before it`, () => {
      for (const pieces of [[e.bytes], bytewise(e.bytes)]) {
        const { tags, error } = feed(pieces, e.options)
        expect(error).toBeInstanceOf(FlvError)
        expect(error).toMatchObject({ code: 'RTMP_ERR_FLV_MALFORMED', reason: e.reason, offset: e.offset })
        expect(tags).toHaveLength(e.tagsBefore)
      }
    })
  }

  it('skips unknown and encrypted tags with skipUnknownTags', () => {
    const bytes = file(
      HEADER,
      hex`0f 00 00 02 00 00 00 00 00 00 00 11 22 00 00 00 0d`,
      hex`29 00 00 01 00 00 00 00 00 00 00 33 00 00 00 0c`,
      hex`08 00 00 01 00 00 05 00 00 00 00 af 00 00 00 0c`,
    )
    const { tags, error } = feed([bytes], { skipUnknownTags: true })
    expect(error).toBeUndefined()
    expect(plain(tags)).toEqual([{ type: 8, timestamp: 5, streamId: 0, data: [0xaf] }])
  })

  it('does not check PreviousTagSize with checkPreviousTagSize: false', () => {
    const bytes = file(hex`46 4c 56 01 05 00 00 00 09 00 00 00 07`, hex`08 00 00 01 00 00 00 00 00 00 00 af 12 34 56 78`)
    const { tags, error } = feed([bytes], { checkPreviousTagSize: false })
    expect(error).toBeUndefined()
    expect(tags).toHaveLength(1)
  })

  it('keeps failing with the same error once it failed', () => {
    const reader = new FlvReader()
    let first: unknown
    try {
      reader.push(hex`00 00 00 00 00 00 00 00 00`, () => {})
    } catch (e) {
      first = e
    }
    expect(first).toBeInstanceOf(FlvError)
    expect(() => reader.push(fileBytes, () => {})).toThrow(first as Error)
    expect(() => reader.end()).toThrow(first as Error)
  })

  it('buffers at most one incomplete unit', () => {
    const reader = new FlvReader()
    reader.push(fileBytes.subarray(0, 30), () => {})
    expect(reader.buffered).toBe(30 - 13 - 11) // header and tag header consumed: 6 body bytes wait
  })

  it('gives the same tags for random splits (property)', () => {
    property(200, (rng) => {
      const { tags, error } = feed(randomSplits(fileBytes, rng, rng.int(1, 40)))
      expect(error).toBeUndefined()
      expect(plain(tags)).toEqual(plain(fileTags))
    })
  })
})

describe('readFlvFile', () => {
  it('reads a whole file', () => {
    const f = readFlvFile(fileBytes)
    expect(f.error).toBeUndefined()
    expect(f.header?.hasVideo).toBe(true)
    expect(plain(f.tags)).toEqual(plain(fileTags))
  })

  it('returns the tags read so far and the error for a truncated file', () => {
    const f = readFlvFile(fileBytes.subarray(0, fileBytes.length - 6))
    expect(f.tags).toHaveLength(fileTags.length - 1)
    expect(f.error).toBeInstanceOf(FlvError)
    expect(f.error?.reason).toBe('truncated')
  })

  it('returns no header and an error for a file cut inside the header', () => {
    const f = readFlvFile(fileBytes.subarray(0, 5))
    expect(f.header).toBeUndefined()
    expect(f.tags).toHaveLength(0)
    expect(f.error?.reason).toBe('truncated')
  })

  it('returns the tags before a corrupt PreviousTagSize', () => {
    const bad = fileBytes.slice()
    bad[13 + 11 + 40 + 3] = 0x34 // PreviousTagSize after the script tag
    const f = readFlvFile(bad)
    expect(f.tags).toHaveLength(1)
    expect(f.error).toMatchObject({ reason: 'previous-tag-size', offset: 64 })
  })
})
