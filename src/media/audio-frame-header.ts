import { BitReader } from './bit-reader'
import { FlvError } from './flv-error'

/**
 * Frame headers of audio codecs that have no configuration record: AC-3 and E-AC-3 (Enhanced RTMP `ac-3` /
 * `ec-3` send an empty SequenceStart, if any) and MPEG audio (legacy SoundFormat 2 and `.mp3`). Only the
 * leading fields are read.
 */

/** AC-3 (ATSC A/52 5.4.1, 5.4.2) or E-AC-3 (A/52 E.1.2) syncinfo + the start of bsi. */
export interface Ac3FrameInfo {
  readonly codec: 'ac-3' | 'ec-3'
  /** bitstream id: ≤ 10 AC-3, 11..16 E-AC-3. */
  readonly bsid: number
  readonly sampleRate: number
  /** audio coding mode (0 = 1+1, 1 = 1/0, 2 = 2/0, … 7 = 3/2). */
  readonly acmod: number
  readonly lfe: boolean
  /** Full-bandwidth channels plus LFE, of this (independent) substream. */
  readonly channels: number
  /** AC-3 only: nominal bit rate in kbit/s. */
  readonly bitRate?: number
}

const AC3_RATES = [48000, 44100, 32000]
const EAC3_REDUCED_RATES = [24000, 22050, 16000]
const ACMOD_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5]
const AC3_BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640]

/**
 * Parses the header of an AC-3 or E-AC-3 frame (told apart by bsid, which sits at the same place in both).
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'audio-frame': no 0x0B77 sync word, a reserved sample
 * rate / frame size / stream type, an unknown bsid, or truncated.
 */
export function parseAc3Header(frame: Uint8Array): Ac3FrameInfo {
  const b = new BitReader(frame, 'audio-frame', 'AC-3 frame header')
  if (b.bits(16) !== 0x0b77) throw b.fail('no AC-3 sync word 0x0B77')
  if (frame.length < 6) throw b.fail('header cut short')
  const bsid = frame[5]! >> 3
  if (bsid > 16) throw b.fail(`bsid ${bsid} > 16`)
  if (bsid > 10) {
    const streamType = b.bits(2)
    if (streamType === 3) throw b.fail('reserved stream type 3')
    b.skip(3 + 11) // substreamid, frmsiz
    const fscod = b.bits(2)
    const fscod2 = b.bits(2) // numblkscod unless fscod = 3
    const sampleRate = fscod === 3 ? EAC3_REDUCED_RATES[fscod2] : AC3_RATES[fscod]
    if (sampleRate === undefined) throw b.fail('reserved sample rate code')
    const acmod = b.bits(3)
    const lfe = b.bit() === 1
    return { codec: 'ec-3', bsid, sampleRate, acmod, lfe, channels: ACMOD_CHANNELS[acmod]! + (lfe ? 1 : 0) }
  }
  b.skip(16) // crc1
  const fscod = b.bits(2)
  const frmsizecod = b.bits(6)
  const rate = AC3_RATES[fscod]
  const bitRate = AC3_BITRATES[frmsizecod >> 1]
  if (rate === undefined) throw b.fail('reserved sample rate code 3')
  if (bitRate === undefined) throw b.fail(`frmsizecod ${frmsizecod} > 37`)
  b.skip(5 + 3) // bsid, bsmod
  const acmod = b.bits(3)
  if ((acmod & 0x01) !== 0 && acmod !== 1) b.skip(2) // cmixlev
  if ((acmod & 0x04) !== 0) b.skip(2) // surmixlev
  if (acmod === 2) b.skip(2) // dsurmod
  const lfe = b.bit() === 1
  // bsid 9 and 10: half and quarter sample rate (A/52 annex, as decoders implement it)
  const shift = Math.max(bsid, 8) - 8
  return {
    codec: 'ac-3',
    bsid,
    sampleRate: rate >> shift,
    acmod,
    lfe,
    channels: ACMOD_CHANNELS[acmod]! + (lfe ? 1 : 0),
    bitRate: bitRate >> shift,
  }
}

/** An MPEG-1/2/2.5 audio frame header (ISO/IEC 11172-3 2.4.1.3, 13818-3). */
export interface MpegAudioFrameInfo {
  /** 1, 2 or 2.5 */
  readonly version: 1 | 2 | 2.5
  readonly layer: 1 | 2 | 3
  readonly sampleRate: number
  /** 0 stereo, 1 joint stereo, 2 dual channel, 3 mono. */
  readonly channelMode: number
  readonly channels: 1 | 2
}

const MPEG1_RATES = [44100, 48000, 32000]

/**
 * Parses an MPEG audio frame header (MP3 and its layers I/II).
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'audio-frame': no frame sync, a reserved version, layer,
 * bit rate index or sample rate index, or fewer than 4 bytes.
 */
export function parseMpegAudioHeader(frame: Uint8Array): MpegAudioFrameInfo {
  const b = new BitReader(frame, 'audio-frame', 'MPEG audio frame header')
  if (b.bits(11) !== 0x7ff) throw b.fail('no MPEG audio frame sync')
  const versionBits = b.bits(2)
  const layerBits = b.bits(2)
  if (versionBits === 1) throw b.fail('reserved MPEG audio version')
  if (layerBits === 0) throw b.fail('reserved MPEG audio layer')
  b.skip(1) // protection_bit
  if (b.bits(4) === 15) throw b.fail('bad bit rate index 15')
  const rate = MPEG1_RATES[b.bits(2)]
  if (rate === undefined) throw b.fail('reserved sample rate index 3')
  b.skip(2) // padding, private
  const channelMode = b.bits(2)
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5
  return {
    version,
    layer: (4 - layerBits) as 1 | 2 | 3,
    sampleRate: version === 1 ? rate : version === 2 ? rate / 2 : rate / 4,
    channelMode,
    channels: channelMode === 3 ? 1 : 2,
  }
}
