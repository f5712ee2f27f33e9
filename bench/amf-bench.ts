import { decodeAmf0 } from '../src/amf/amf0-decoder'
import { encodeAmf0 } from '../src/amf/amf0-encoder'
import { decodeAmf3 } from '../src/amf/amf3-decoder'
import { encodeAmf3 } from '../src/amf/amf3-encoder'
import { connectCommand, metadataMessage } from './amf-samples'
import { batch, formatRate, measure, printTable } from './measure'
import type { Measurement } from './measure'

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** AMF0 / AMF3 encode and decode rates of a connect command and an onMetaData, each beside JSON on the same value. */
export function runAmfBench(): void {
  const rows: string[][] = [['value', 'operation', 'rtmp-kit', 'JSON', 'rtmp-kit / JSON']]
  const row = (value: string, op: string, ours: Measurement, json: Measurement): void => {
    rows.push([value, op, formatRate(ours), formatRate(json), `${(ours.opsPerSec / json.opsPerSec).toFixed(2)}×`])
  }
  const ms = 500
  for (const [name, values] of [
    ['connect', connectCommand],
    ['onMetaData (16 keys)', metadataMessage],
  ] as const) {
    const amf0 = encodeAmf0(values)
    // AMF3 has no multi-value form: each value is encoded on its own, as behind AMF0 avmplus switches.
    const encode3 = (): Uint8Array[] => values.map((v) => encodeAmf3(v))
    const amf3 = concat(encode3())
    const json = JSON.stringify(values)
    const stringify = measure(`${name} JSON.stringify`, batch(() => JSON.stringify(values)), { ms })
    const parse = measure(`${name} JSON.parse`, batch(() => JSON.parse(json)), { ms })
    row(name, `AMF0 encode (${amf0.length} B)`, measure(`${name} AMF0 encode`, batch(() => encodeAmf0(values)), { ms }), stringify)
    row(name, 'AMF0 decode', measure(`${name} AMF0 decode`, batch(() => decodeAmf0(amf0)), { ms }), parse)
    row(name, `AMF3 encode (${amf3.length} B)`, measure(`${name} AMF3 encode`, batch(encode3), { ms }), stringify)
    row(name, 'AMF3 decode', measure(`${name} AMF3 decode`, batch(() => decodeAmf3(amf3)), { ms }), parse)
  }
  printTable('AMF codecs vs JSON.stringify / JSON.parse of the same values (higher ratio is better)', rows)
}
