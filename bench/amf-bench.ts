import { decodeAmf0 } from '../src/amf/amf0-decoder'
import { encodeAmf0 } from '../src/amf/amf0-encoder'
import { decodeAmf3 } from '../src/amf/amf3-decoder'
import { encodeAmf3 } from '../src/amf/amf3-encoder'
import { AmfEcmaArray } from '../src/amf/amf-value'
import type { AmfValue } from '../src/amf/amf-value'
import { formatRate, measure, printTable } from './measure'
import type { Measurement } from './measure'

/** A connect command as a publisher sends it. */
const connect: AmfValue[] = [
  'connect',
  1,
  {
    app: 'live',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
    objectEncoding: 0,
  },
]

/** onMetaData as ffmpeg writes it for an H.264 + AAC stream. */
const metadata: AmfValue[] = [
  'onMetaData',
  AmfEcmaArray.from({
    duration: 0,
    width: 1920,
    height: 1080,
    videodatarate: 2500,
    framerate: 30,
    videocodecid: 7,
    audiodatarate: 160,
    audiosamplerate: 48000,
    audiosamplesize: 16,
    stereo: true,
    audiocodecid: 10,
    major_brand: 'isom',
    minor_version: '512',
    compatible_brands: 'isomiso2avc1mp41',
    encoder: 'Lavf60.16.100',
    filesize: 0,
  }),
]

const BATCH = 100
/** Results go to a module variable so that V8 cannot drop the work. */
let sink: unknown

function batch(fn: () => unknown): () => number {
  return () => {
    for (let i = 0; i < BATCH; i++) sink = fn()
    return BATCH
  }
}

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
    ['connect', connect],
    ['onMetaData (16 keys)', metadata],
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
