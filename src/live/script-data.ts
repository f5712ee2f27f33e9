import { isAmfObject, type AmfObject } from '../amf/amf-value'
import { decodeAmf0 } from '../amf/amf0-decoder'

// AMF0 string marker, length 10, "onMetaData"
const ON_METADATA = [0x02, 0x00, 0x0a, ...Array.from('onMetaData', (c) => c.charCodeAt(0))]

/** True for a data message body that starts with the AMF0 string "onMetaData" (checked without decoding). */
export function isOnMetaData(payload: Uint8Array): boolean {
  if (payload.length < ON_METADATA.length) return false
  for (let i = 0; i < ON_METADATA.length; i++) if (payload[i] !== ON_METADATA[i]) return false
  return true
}

/** The properties of an onMetaData body, or undefined if it does not decode (a live server keeps going). */
export function readOnMetaData(payload: Uint8Array): AmfObject | undefined {
  try {
    const props = decodeAmf0(payload)[1]
    return props !== undefined && isAmfObject(props) ? props : undefined
  } catch {
    return undefined
  }
}
