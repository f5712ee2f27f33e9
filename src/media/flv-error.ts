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
