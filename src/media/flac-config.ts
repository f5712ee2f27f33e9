import { FlvError } from './flv-error'

/** FLAC METADATA_BLOCK_STREAMINFO (RFC 9639 8.2), the body of an Enhanced `fLaC` SequenceStart. */
export interface FlacStreamInfo {
  readonly minBlockSize: number
  readonly maxBlockSize: number
  /** 0 = unknown. */
  readonly minFrameSize: number
  readonly maxFrameSize: number
  readonly sampleRate: number
  readonly channels: number
  readonly bitsPerSample: number
  /** Interchannel samples in the stream; 0 = unknown (live streams). */
  readonly totalSamples: number
  /** MD5 of the unencoded audio, a view into the input. */
  readonly md5: Uint8Array
}

const STREAMINFO_SIZE = 34

/**
 * Parses a FLAC sequence header. Enhanced RTMP specifies the 'fLaC' signature, a metadata block header and
 * the STREAMINFO block; ffmpeg sends the bare 34-byte STREAMINFO. All three forms are accepted: with the
 * signature, with only the block header, or bare.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'flac-config': the first block is not STREAMINFO,
 * truncated, a sample rate of 0, or a minimum block size below 16.
 */
export function parseFlacStreamInfo(bytes: Uint8Array): FlacStreamInfo {
  let o = 0
  const signature = bytes.length >= 4 && bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 && bytes[3] === 0x43
  if (signature) o = 4
  // without the signature, a block header is told apart by its length 34: a bare STREAMINFO starting with
  // 00 00 00 22 would have a minimum block size of 0, which is invalid
  const blockHeader = bytes.length >= 4 && (bytes[0]! & 0x7f) === 0 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === STREAMINFO_SIZE
  if (signature || blockHeader) {
    // metadata block header: last-block flag, type (0 = STREAMINFO), 24-bit length
    if (bytes.length < o + 4) throw new FlvError('flac-config', 'FLAC metadata block header cut short', o)
    const type = bytes[o]! & 0x7f
    const length = (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!
    if (type !== 0) throw new FlvError('flac-config', `first FLAC metadata block has type ${type}, expected 0 (STREAMINFO)`, o)
    if (length !== STREAMINFO_SIZE) throw new FlvError('flac-config', `STREAMINFO block of ${length} bytes, expected 34`, o + 1)
    o += 4
  }
  if (bytes.length < o + STREAMINFO_SIZE) throw new FlvError('flac-config', `STREAMINFO: ${bytes.length - o} bytes, need 34`, o)
  const d = bytes.subarray(o, o + STREAMINFO_SIZE)
  const u16 = (i: number): number => (d[i]! << 8) | d[i + 1]!
  const u24 = (i: number): number => (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!
  const minBlockSize = u16(0)
  if (minBlockSize < 16) throw new FlvError('flac-config', `STREAMINFO minimum block size ${minBlockSize} < 16`, o)
  // sample rate (20 bits), channels - 1 (3), bits per sample - 1 (5), total samples (36)
  const sampleRate = (d[10]! << 12) | (d[11]! << 4) | (d[12]! >> 4)
  if (sampleRate === 0) throw new FlvError('flac-config', 'STREAMINFO sample rate 0', o + 10)
  return {
    minBlockSize,
    maxBlockSize: u16(2),
    minFrameSize: u24(4),
    maxFrameSize: u24(7),
    sampleRate,
    channels: ((d[12]! >> 1) & 0x07) + 1,
    bitsPerSample: (((d[12]! & 0x01) << 4) | (d[13]! >> 4)) + 1,
    totalSamples: (d[13]! & 0x0f) * 2 ** 32 + ((d[14]! << 24) >>> 0) + ((d[15]! << 16) | (d[16]! << 8) | d[17]!),
    md5: d.subarray(18, 34),
  }
}
