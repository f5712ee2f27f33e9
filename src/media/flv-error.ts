import { RtmpError } from '../errors'

/**
 * What exactly was wrong. The `code` is always `RTMP_ERR_FLV_MALFORMED`; `reason` lets callers and tests
 * tell the cases apart without reading message text.
 */
export type FlvErrorReason =
  | 'signature' // not 'FLV'
  | 'version' // FLV version other than 1
  | 'header-size' // DataOffset smaller than 9 or larger than the limit
  | 'previous-tag-size' // PreviousTagSize does not match the tag before it
  | 'tag-type' // tag type other than 8, 9, 18 (or the filter bit set)
  | 'tag-too-large' // DataSize above `maxTagSize`
  | 'truncated' // the input ended inside a header or tag
  | 'avc-config' // AVCDecoderConfigurationRecord does not parse
  | 'sps' // H.264 sequence parameter set does not parse
  | 'aac-config' // AudioSpecificConfig does not parse
  | 'hevc-config' // HEVCDecoderConfigurationRecord does not parse
  | 'hevc-sps' // H.265 sequence parameter set does not parse
  | 'av1-config' // AV1CodecConfigurationRecord or AV1 sequence header OBU does not parse
  | 'vp-config' // VP Codec Configuration Record (VP8/VP9) does not parse
  | 'vp9-frame' // VP9 uncompressed frame header does not parse
  | 'opus-config' // Opus identification header (OpusHead) does not parse
  | 'flac-config' // FLAC STREAMINFO does not parse
  | 'audio-frame' // AC-3 / E-AC-3 / MPEG audio frame header does not parse
  | 'multichannel-config' // Enhanced RTMP MultichannelConfig does not parse
  | 'ex-tag' // an Enhanced RTMP tag header cannot be built from the given fields

/** An FLV file, tag, or codec configuration record is malformed. `offset` is where it was noticed (-1 if unknown). */
export class FlvError extends RtmpError {
  override name = 'FlvError'
  readonly reason: FlvErrorReason
  readonly offset: number

  constructor(reason: FlvErrorReason, message: string, offset = -1, options?: ErrorOptions) {
    super('RTMP_ERR_FLV_MALFORMED', message, options)
    this.reason = reason
    this.offset = offset
  }
}

/** A ByteReader truncation factory that throws FlvError with the given reason. */
export function flvTruncated(reason: FlvErrorReason, what: string) {
  return (needed: number, offset: number, length: number): FlvError =>
    new FlvError(reason, `${what}: need ${needed} bytes at offset ${offset}, only ${length - offset} left`, offset)
}
