/**
 * `@setDataFrame` is how publishers wrap metadata (`@setDataFrame onMetaData {…}`); players and FLV files get
 * the data without it. These work on the encoded AMF0 bytes, so a message is forwarded without decoding and
 * re-encoding it (re-encoding AMF3 behind an avmplus switch can multiply its size).
 */

/** An AMF0 short string as it appears on the wire: marker 2, u16 length, bytes (ASCII only). */
const amf0String = (s: string): Uint8Array => Uint8Array.of(2, s.length >> 8, s.length & 0xff, ...Array.from(s, (c) => c.charCodeAt(0)))

const SET_DATA_FRAME = amf0String('@setDataFrame')
const ON_METADATA = amf0String('onMetaData')

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false
  return true
}

/** The AMF0 data body without a leading `@setDataFrame` string, as a view; undefined if it does not start with one. */
export function stripSetDataFrame(body: Uint8Array): Uint8Array | undefined {
  return startsWith(body, SET_DATA_FRAME) ? body.subarray(SET_DATA_FRAME.length) : undefined
}

/** An `onMetaData …` body (an FLV script tag) as publishers send it: `@setDataFrame onMetaData …`; other bodies as they are. */
export function addSetDataFrame(body: Uint8Array): Uint8Array {
  if (!startsWith(body, ON_METADATA)) return body
  const out = new Uint8Array(SET_DATA_FRAME.length + body.length)
  out.set(SET_DATA_FRAME)
  out.set(body, SET_DATA_FRAME.length)
  return out
}
