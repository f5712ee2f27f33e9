import { describe, it, expect } from 'vitest'
import { parseAacConfig } from '../../src/media/aac-config'
import type { AacConfig } from '../../src/media/aac-config'
import { FlvError } from '../../src/media/flv-error'
import { audioInfo } from '../../src/media/flv-tag'
import { hex } from '../helpers/hex'

// The first two are the AAC sequence header tags ffmpeg 5.1 (native aac encoder) writes for
//   ffmpeg -f lavfi -i sine=f=440:r=44100 -ac 2 -t 1 -c:a aac -f flv a.flv   (and r=48000 -ac 1)
// The rest are built bit by bit from ISO/IEC 14496-3 1.6.2.1.
const cases: Array<{ name: string; tag: Uint8Array; config: Partial<AacConfig> }> = [
  {
    name: 'AAC-LC 44100 Hz stereo',
    tag: hex`af 00 // AAC, 44 kHz, 16 bit, stereo; sequence header
             12 10 // 00010 (LC) 0100 (44100) 0010 (2 ch) 000 (GASpecificConfig)
             56 e5 00 // ffmpeg appends the sync extension 0x2b7 … (not read)`,
    config: { objectType: 2, sampleRate: 44100, channelConfiguration: 2, channels: 2, outputSampleRate: 44100 },
  },
  {
    name: 'AAC-LC 48000 Hz mono',
    tag: hex`af 00 // the FLV header still says 44 kHz stereo: AAC ignores it
             11 88 // 00010 (LC) 0011 (48000) 0001 (1 ch) 000
             56 e5 00`,
    config: { objectType: 2, sampleRate: 48000, channelConfiguration: 1, channels: 1 },
  },
  {
    name: 'HE-AAC with explicit SBR signaling: 24 kHz core, 48 kHz output',
    tag: hex`af 00
             2b 11 88 // 00101 (SBR) 0110 (24000) 0010 (2 ch) 0011 (ext 48000) 00010 (core LC) 000`,
    config: { objectType: 5, coreObjectType: 2, sampleRate: 24000, outputSampleRate: 48000, channels: 2 },
  },
  {
    name: 'HE-AACv2 (PS) mono core',
    tag: hex`af 00
             eb 8a 08 // 11101 (PS) 0111 (22050) 0001 (1 ch) 0100 (ext 44100) 00010 (core LC) 000`,
    config: { objectType: 29, coreObjectType: 2, sampleRate: 22050, outputSampleRate: 44100, channelConfiguration: 1 },
  },
  {
    name: 'escaped object type and explicit 24-bit frequency',
    tag: hex`af 00
             f9 5e 01 58 30 20 // 11111 001010 (32 + 10 = 42) 1111 (explicit) 0x00ac18 (44056) 0001`,
    config: { objectType: 42, sampleRate: 44056, channelConfiguration: 1, channels: 1 },
  },
  {
    name: 'channel configuration 7 is 7.1 (8 channels)',
    tag: hex`af 00 11 b8 // 00010 0011 (48000) 0111 (7)`,
    config: { channelConfiguration: 7, channels: 8 },
  },
]

describe('parseAacConfig', () => {
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const info = audioInfo(c.tag)!
      expect(info).toMatchObject({ codec: 'aac', isSequenceHeader: true, payloadOffset: 2 })
      expect(parseAacConfig(c.tag.subarray(info.payloadOffset))).toMatchObject(c.config)
    })
  }

  const bad: Array<{ name: string; bytes: Uint8Array }> = [
    { name: 'empty', bytes: hex`` },
    { name: 'one byte', bytes: hex`12` },
    { name: 'object type 0 (null)', bytes: hex`02 10` },
    { name: 'reserved frequency index 13', bytes: hex`16 90` },
    { name: 'explicit frequency cut short', bytes: hex`17 80 56` },
    { name: 'explicit frequency of 0 Hz', bytes: hex`17 80 00 00 10` },
    { name: 'SBR without its extension fields', bytes: hex`2b 10` },
  ]
  for (const b of bad) {
    it(`rejects ${b.name} with FlvError reason aac-config`, () => {
      let err: unknown
      try {
        parseAacConfig(b.bytes)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(FlvError)
      expect(err).toMatchObject({ code: 'RTMP_ERR_FLV_MALFORMED', reason: 'aac-config' })
    })
  }
})
