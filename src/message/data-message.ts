import { decodeAmf0 } from '../amf/amf0-decoder'
import { encodeAmf0 } from '../amf/amf0-encoder'
import type { AmfLimits } from '../amf/amf-limits'
import type { AmfValue } from '../amf/amf-value'
import { AmfError, MessageError } from '../errors'
import { MessageType } from './message-type'
import type { AmfEncoding, RtmpMessage } from './rtmp-message'

type DataMessage = Extract<RtmpMessage, { type: 'data' }>

/**
 * @internal Decodes the AMF body of a data (18/15) or command (20/17) message.
 *
 * 'amf3' bodies (15, 17) start with ONE byte that is skipped whatever its value, then an AMF0 sequence
 * (values may switch to AMF3 with marker 0x11; the AMF0 decoder handles that). This is what nginx-rtmp does
 * for 15/16/17 and librtmp for 17 (`HandleInvoke(body + 1, size - 1)`); Flash always sends 0x00. A peer that
 * put a different byte there still decodes, provided the rest is valid AMF0; a body with no byte at all is
 * malformed. Re-encoding always writes 0x00, so such a payload does not round-trip byte for byte.
 *
 * @throws {MessageError} empty 'amf3' body, or invalid AMF (the `AmfError` is the `cause`).
 */
export function decodeAmfBody(
  typeId: number,
  encoding: AmfEncoding,
  payload: Uint8Array,
  limits: Partial<AmfLimits> | undefined,
): AmfValue[] {
  let body = payload
  if (encoding === 'amf3') {
    if (payload.length === 0) {
      throw new MessageError(typeId, `type ${typeId} payload is empty: missing its leading byte`)
    }
    body = payload.subarray(1)
  }
  try {
    return decodeAmf0(body, limits)
  } catch (err) {
    if (err instanceof AmfError) {
      throw new MessageError(typeId, `type ${typeId} payload: ${err.message}`, { cause: err })
    }
    throw err
  }
}

/**
 * @internal Encodes AMF0 values, behind a 0x00 byte for 'amf3'.
 * @throws {MessageError} a value the AMF0 encoder refuses (the `AmfError` is the `cause`).
 */
export function encodeAmfBody(typeId: number, encoding: AmfEncoding, values: readonly AmfValue[]): Uint8Array {
  let body: Uint8Array
  try {
    body = encodeAmf0(values)
  } catch (err) {
    if (err instanceof AmfError) {
      throw new MessageError(typeId, `type ${typeId} value: ${err.message}`, { cause: err })
    }
    throw err
  }
  // a plain view (no copy) rather than the encoder's Buffer: encoders hand out one type
  if (encoding === 'amf0') return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  const out = new Uint8Array(body.length + 1) // zero-filled: out[0] is the 0x00 prefix
  out.set(body, 1)
  return out
}

/** Type id carrying a data message in the given encoding. */
export function dataTypeId(encoding: AmfEncoding): number {
  return encoding === 'amf3' ? MessageType.DataAmf3 : MessageType.DataAmf0
}

/**
 * Data message (18 AMF0, 15 AMF3): every AMF value in the payload, e.g. `['@setDataFrame', 'onMetaData', {…}]`
 * or `['|RtmpSampleAccess', true, true]`. An empty type-18 payload is zero values, not an error.
 * @throws {MessageError} invalid AMF (cause: `AmfError`), or a type-15 payload without its leading byte.
 */
export function decodeDataMessage(
  encoding: AmfEncoding,
  payload: Uint8Array,
  limits?: Partial<AmfLimits>,
): DataMessage {
  return { type: 'data', encoding, values: decodeAmfBody(dataTypeId(encoding), encoding, payload, limits) }
}

/** @throws {MessageError} a value the AMF0 encoder refuses (cause: `AmfError`). */
export function encodeDataMessage(msg: DataMessage): Uint8Array {
  return encodeAmfBody(dataTypeId(msg.encoding), msg.encoding, msg.values)
}

/** Builds an AMF0 data message, e.g. `data('@setDataFrame', 'onMetaData', meta)`. */
export function data(...values: AmfValue[]): DataMessage {
  return { type: 'data', encoding: 'amf0', values }
}
