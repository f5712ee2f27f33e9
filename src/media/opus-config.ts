import { FlvError } from './flv-error'

/** Opus identification header (RFC 7845 5.1), the body of an Enhanced `Opus` SequenceStart. */
export interface OpusHead {
  readonly version: number
  readonly channels: number
  /** Samples (at 48 kHz) to drop from the decoder output at the start. */
  readonly preSkip: number
  /** Sample rate of the encoder's input, informational only (Opus always decodes at 48 kHz); 0 = unspecified. */
  readonly inputSampleRate: number
  /** Output gain in Q7.8 dB. */
  readonly outputGain: number
  readonly mappingFamily: number
  /** Mapping families other than 0: the channel mapping table. */
  readonly streamCount?: number
  readonly coupledCount?: number
  readonly channelMapping?: Uint8Array
}

const MAGIC = 'OpusHead'

/**
 * Parses an OpusHead packet. Only the major version (upper 4 bits) must be 0, as RFC 7845 asks of readers.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'opus-config': no 'OpusHead' magic, an unsupported major
 * version, zero channels, truncated, or a mapping table that does not fit the channel count.
 */
export function parseOpusHead(bytes: Uint8Array): OpusHead {
  if (bytes.length < 19) throw new FlvError('opus-config', `OpusHead: ${bytes.length} bytes, need 19`, 0)
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new FlvError('opus-config', 'OpusHead magic signature missing', 0)
  }
  const version = bytes[8]!
  if (version >> 4 !== 0) throw new FlvError('opus-config', `OpusHead version ${version}: major version ≠ 0`, 8)
  const channels = bytes[9]!
  if (channels === 0) throw new FlvError('opus-config', 'OpusHead channel count 0', 9)
  const le16 = (o: number): number => bytes[o]! | (bytes[o + 1]! << 8)
  const gain = le16(16)
  const head = {
    version,
    channels,
    preSkip: le16(10),
    inputSampleRate: (le16(12) + le16(14) * 0x10000) >>> 0,
    outputGain: gain & 0x8000 ? gain - 0x10000 : gain,
    mappingFamily: bytes[18]!,
  }
  if (head.mappingFamily === 0) {
    if (channels > 2) throw new FlvError('opus-config', `OpusHead mapping family 0 with ${channels} channels`, 9)
    return head
  }
  if (bytes.length < 21 + channels) throw new FlvError('opus-config', `OpusHead channel mapping table cut short`, 19)
  const streamCount = bytes[19]!
  const coupledCount = bytes[20]!
  if (streamCount === 0 || coupledCount > streamCount) {
    throw new FlvError('opus-config', `OpusHead stream count ${streamCount}, coupled ${coupledCount}`, 19)
  }
  return { ...head, streamCount, coupledCount, channelMapping: bytes.subarray(21, 21 + channels) }
}
