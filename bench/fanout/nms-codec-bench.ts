// For `npm run bench`: our AMF0 codec and server handshake beside node-media-server's own, in the same run.
// node-media-server comes from the bench's temp install (`npm run bench -- --with-nms` installs it there);
// without it this prints why and returns.
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Handshake, decodeAmf0, encodeAmf0 } from 'rtmp-kit'
import { connectCommand, metadataFields, metadataMessage } from '../amf-samples'
import { batch, formatRate, measure, printTable, type Measurement } from '../measure'
import { getNms } from './nms-install'

interface NmsAmf {
  amf0Encode(values: unknown[]): Buffer
  amf0Decode(bytes: Buffer): unknown[]
}
interface NmsRtmp {
  onOutputCallback: (b: Buffer) => void
  parserData(b: Buffer): string | null
}

export function runNmsCodecBench(options: { install: boolean }): void {
  const { nms, missing } = getNms(options.install)
  if (!nms) {
    console.log(`\nAMF0 and handshake beside node-media-server: skipped (${missing})`)
    return
  }
  const load = createRequire(join(nms.packageDir, 'package.json'))
  const amf = load('./src/protocol/amf.js') as NmsAmf
  const Rtmp = load('./src/protocol/rtmp.js') as new () => NmsRtmp
  const ms = 500
  const rows: string[][] = [['case', 'rtmp-kit', `node-media-server ${nms.version}`, 'rtmp-kit / nms']]
  const row = (name: string, ours: Measurement, theirs: Measurement): void => {
    rows.push([name, formatRate(ours), formatRate(theirs), `${(ours.opsPerSec / theirs.opsPerSec).toFixed(2)}×`])
  }
  // Each side encodes the values in its own model (theirs has no ECMA-array wrapper: a plain object, marker 3);
  // both decode the same bytes (ours, with onMetaData as an ECMA array, as ffmpeg sends it).
  for (const [name, ourValues, theirValues] of [
    ['connect', connectCommand, connectCommand],
    ['onMetaData (16 keys)', metadataMessage, ['onMetaData', metadataFields]],
  ] as const) {
    const bytes = encodeAmf0(ourValues)
    const buffer = Buffer.from(bytes)
    check(name, amf.amf0Decode(buffer))
    row(`${name} AMF0 encode`, measure('ours', batch(() => encodeAmf0(ourValues)), { ms }), measure('nms', batch(() => amf.amf0Encode([...theirValues])), { ms }))
    row(`${name} AMF0 decode (${bytes.length} B)`, measure('ours', batch(() => decodeAmf0(bytes)), { ms }), measure('nms', batch(() => amf.amf0Decode(buffer)), { ms }))
  }
  // The server's answer to C0+C1 (S0+S1+S2), each side's whole server-side handshake step.
  for (const complex of [false, true]) {
    const c0c1 = new Handshake('client', { complex }).start()
    const c0c1Buffer = Buffer.from(c0c1)
    const ours = (): unknown => new Handshake('server').receive(c0c1).send
    const theirs = (): unknown => {
      let out: Buffer | undefined
      const r = new Rtmp()
      r.onOutputCallback = (b) => (out = b)
      r.parserData(c0c1Buffer)
      if (out === undefined || out.length !== 3073) throw new Error('node-media-server gave no S0S1S2')
      return out
    }
    row(`handshake ${complex ? 'complex' : 'simple'}: S0S1S2 for a C0C1`, measure('ours', batch(ours, 10), { ms }), measure('nms', batch(theirs, 10), { ms }))
  }
  printTable(`AMF0 and server handshake beside node-media-server ${nms.version} (higher ratio is better)`, rows)
}

/** Both decoders must read the bytes as the same command before their speeds mean anything. */
function check(name: string, decoded: unknown[]): void {
  if (decoded[0] !== (name === 'connect' ? 'connect' : 'onMetaData')) throw new Error(`node-media-server decoded ${name} as ${String(decoded[0])}`)
}
