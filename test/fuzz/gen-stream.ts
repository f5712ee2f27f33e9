import { AmfEcmaArray } from '../../src/amf/amf-value'
import type { AmfValue } from '../../src/amf/amf-value'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RawMessage } from '../../src/chunk/raw-message'
import { Handshake } from '../../src/handshake/handshake'
import { encodeMessage } from '../../src/message/message-codec'
import type { RtmpMessage, UserControlEvent } from '../../src/message/rtmp-message'
import type { Rng } from '../helpers/rng'
import { randomString, randomValue } from './gen-amf'
import { audioPayload, videoPayload } from './gen-media'
import { HANDSHAKE_BYTES, realCorpus } from './corpus'
import type { Field, Sample } from './mutate'
import { concatBytes } from './oracle'

const U32_EDGES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]
const u32 = (rng: Rng): number => (rng.next() < 0.3 ? rng.pick(U32_EDGES) : rng.int(0, 0xffffffff))

function userControl(rng: Rng): UserControlEvent {
  switch (rng.int(0, 8)) {
    case 0: return { kind: 'streamBegin', streamId: rng.int(0, 3) }
    case 1: return { kind: 'streamEof', streamId: rng.int(0, 3) }
    case 2: return { kind: 'streamDry', streamId: u32(rng) }
    case 3: return { kind: 'setBufferLength', streamId: rng.int(0, 3), bufferLength: u32(rng) }
    case 4: return { kind: 'streamIsRecorded', streamId: u32(rng) }
    case 5: return { kind: 'pingRequest', timestamp: u32(rng) }
    case 6: return { kind: 'pingResponse', timestamp: u32(rng) }
    default: return { kind: 'unknown', eventType: rng.pick([31, 32, 26, 0xffff, rng.int(8, 0xffff)]), data: rng.bytes(rng.int(0, 8)) }
  }
}

/**
 * A long run of one delimiter (then another character): what makes a backtracking regex or a quadratic
 * split take seconds. Kept under ~40k characters so that one slow case still finishes within seconds.
 */
export function longRun(rng: Rng): string {
  const c = rng.pick(['/', '?', '&', '=', '.', ' ', '%', '\\', 'a', ':'])
  return c.repeat(rng.int(1000, 40_000)) + rng.pick(['', 'x', c === '/' ? '?' : '/'])
}

/** The largest string a command can carry: the whole message just under 0xFFFFFF bytes, minus `room`. */
export function hugeString(rng: Rng, room: number): string {
  return 'h'.repeat(0xffffff - room - rng.int(0, 60))
}

const COMMANDS = [
  'connect', 'createStream', 'publish', 'play', 'play2', 'pause', 'seek', 'deleteStream', 'closeStream', 'releaseStream',
  'FCPublish', 'FCUnpublish', 'FCSubscribe', 'getStreamLength', 'receiveAudio', 'receiveVideo', '_result', '_error',
  'onStatus', '_checkbw', '', 'unknownCall', '__proto__',
]

/** Arguments shaped like what each command carries, or random values. */
function commandArgs(rng: Rng, name: string): AmfValue[] {
  if (rng.next() < 0.2) return Array.from({ length: rng.int(0, 3) }, () => randomValue(rng))
  const stream = (): string =>
    rng.next() < 0.01 ? longRun(rng) : rng.pick(['cam', 'live/cam?token=abc', '', 'a'.repeat(rng.int(0, 300)), randomString(rng)])
  switch (name) {
    case 'publish': return [stream(), rng.pick(['live', 'record', 'append', 'other'])]
    case 'play': return [stream(), rng.pick([-2, -1, 0, 1000]), rng.pick([-1, 0, 5000]), rng.pick([true, false])]
    case 'play2': return [{ streamName: stream(), start: rng.pick([-2, 0]), len: -1, transition: 'switch' }]
    case 'pause': return [rng.bool(), rng.int(0, 100_000)]
    case 'seek': return [rng.int(0, 100_000)]
    case 'deleteStream': return [rng.int(0, 4)]
    case 'receiveAudio': case 'receiveVideo': return [rng.bool()]
    case 'releaseStream': case 'FCPublish': case 'FCUnpublish': return [stream()]
    default: return []
  }
}

function commandObject(rng: Rng, name: string): AmfValue {
  if (name !== 'connect') return rng.next() < 0.9 ? null : randomValue(rng)
  const app = rng.next() < 0.01 ? longRun(rng) : rng.pick(['live', 'live/', 'live?key=1', '', 'a/b/c', randomString(rng)])
  return {
    app,
    type: 'nonprivate',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    tcUrl: rng.pick([`rtmp://127.0.0.1/${app}`, 'rtmp://h/live?token=x', '']),
    objectEncoding: rng.pick([0, 3, 1]),
    ...(rng.next() < 0.3 ? { fourCcList: ['av01', 'hvc1'], capsEx: 15 } : {}),
  }
}

export function randomCommand(rng: Rng, name = rng.pick(COMMANDS)): RtmpMessage {
  return {
    type: 'command',
    encoding: rng.next() < 0.85 ? 'amf0' : 'amf3',
    name,
    transactionId: rng.pick([0, 1, 2, 3, 4, 5, -1, 1.5, NaN, 2 ** 53]),
    commandObject: commandObject(rng, name),
    args: commandArgs(rng, name),
  }
}

export function randomData(rng: Rng): RtmpMessage {
  const meta = AmfEcmaArray.from({ width: 320, height: 240, framerate: 25, videocodecid: 7, audiocodecid: 10, encoder: 'Lavf' })
  const values: AmfValue[] = rng.pick<AmfValue[]>([
    ['@setDataFrame', 'onMetaData', meta],
    ['onMetaData', meta],
    ['|RtmpSampleAccess', true, true],
    [],
    Array.from({ length: rng.int(1, 3) }, () => randomValue(rng)),
  ])
  return { type: 'data', encoding: rng.next() < 0.85 ? 'amf0' : 'amf3', values }
}

/** Any message type, valid for its type (the encoders refuse what is not). */
export function randomMessage(rng: Rng): RtmpMessage {
  switch (rng.int(0, 14)) {
    case 0: return { type: 'setChunkSize', chunkSize: rng.pick([1, 128, 4096, 65536, 0x7fffffff, rng.int(1, 0xffffff)]) }
    case 1: return { type: 'abort', chunkStreamId: rng.pick([2, 3, 4, 64, 65599, u32(rng)]) }
    case 2: return { type: 'acknowledgement', sequenceNumber: u32(rng) }
    case 3: return { type: 'userControl', event: userControl(rng) }
    case 4: return { type: 'windowAckSize', size: rng.pick([1, 2_500_000, u32(rng)]) }
    case 5: return { type: 'setPeerBandwidth', size: rng.pick([1, 2_500_000, u32(rng)]), limitType: rng.pick([0, 1, 2] as const) }
    case 6: return { type: 'audio', data: audioPayload(rng).bytes }
    case 7: return { type: 'video', data: videoPayload(rng).bytes }
    case 8: case 9: return randomCommand(rng)
    case 10: return randomData(rng)
    case 11: return { type: 'sharedObject', encoding: rng.bool() ? 'amf0' : 'amf3', payload: rng.bytes(rng.int(0, 20)) }
    case 12: return { type: 'aggregate', payload: aggregatePayload(rng).bytes }
    default: return { type: 'unknown', typeId: rng.pick([0, 7, 10, 21, 23, 255]), payload: rng.bytes(rng.int(0, 10)) }
  }
}

/** `make()` encoded; drawn again when the encoder refuses the value (random AMF values sometimes are unencodable). */
export function encodeSome(make: () => RtmpMessage): { typeId: number; payload: Uint8Array } {
  for (let i = 0; i < 20; i++) {
    try {
      return encodeMessage(make())
    } catch {
      // draw again
    }
  }
  return encodeMessage({ type: 'acknowledgement', sequenceNumber: 0 })
}

/** A message body as a fuzz input: [type id, ...payload]. */
export function messageSample(rng: Rng): Sample {
  const real = realCorpus().messages
  const raw = real.length > 0 && rng.next() < 0.2 ? rng.pick(real) : undefined
  const { typeId, payload } = raw ?? encodeSome(() => randomMessage(rng))
  return { bytes: concatBytes([Uint8Array.of(typeId), payload]), fields: [{ offset: 0, size: 1, kind: 'marker' }], start: 1 }
}

/** Aggregate payload: FLV-tag-shaped sub-messages (type, size, timestamp + extension, stream id, body, back-pointer). */
export function aggregatePayload(rng: Rng): Sample {
  const parts: Uint8Array[] = []
  const fields: Field[] = []
  let offset = 0
  let ts = rng.pick([0, 1000, 0xffffff, 0xfffffff0])
  for (let n = rng.int(0, 6); n > 0; n--) {
    const type = rng.pick([8, 9, 9, 18, 22, 20, rng.int(0, 255)])
    const body = type === 9 ? videoPayload(rng).bytes : type === 8 ? audioPayload(rng).bytes : rng.bytes(rng.int(0, 12))
    const header = Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff,
      (ts >>> 16) & 0xff, (ts >>> 8) & 0xff, ts & 0xff, ts >>> 24, 0, 0, rng.int(0, 1))
    const back = 11 + body.length
    fields.push({ offset, size: 11, kind: 'header' }, { offset: offset + 1, size: 3, kind: 'length' })
    fields.push({ offset: offset + 11 + body.length, size: 4, kind: 'length' })
    parts.push(header, body, Uint8Array.of(back >>> 24, (back >>> 16) & 0xff, (back >>> 8) & 0xff, back & 0xff))
    offset += 15 + body.length
    ts = (ts + rng.pick([0, 20, 40, -40, 0x7fffffff])) >>> 0
  }
  return { bytes: concatBytes(parts), fields }
}

const CSIDS = [2, 3, 3, 4, 5, 6, 8, 63, 64, 65, 319, 320, 321, 65599]

/**
 * A chunk stream from our ChunkWriter: any messages on boundary chunk stream ids, extended and wrapping
 * timestamps, chunk size changes, chunks of several messages interleaved, a partial message then Abort.
 * Every chunk header is marked (and inside it the length field and type id).
 */
export function chunkStream(rng: Rng, messages: () => RtmpMessage = () => randomMessage(rng)): Sample {
  const writer = new ChunkWriter()
  const pieces: Uint8Array[] = []
  const fields: Field[] = []
  let offset = 0
  let ts = rng.pick([0, 0xfffff0, 0xfffffff0])
  const emit = (p: Uint8Array, header: boolean): void => {
    if (header) {
      fields.push({ offset, size: p.length, kind: 'header' })
      const basic = (p[0]! & 0x3f) === 0 ? 2 : (p[0]! & 0x3f) === 1 ? 3 : 1
      if (p[0]! >> 6 <= 1) fields.push({ offset: offset + basic + 3, size: 3, kind: 'length' }, { offset: offset + basic + 6, size: 1, kind: 'marker' })
    }
    pieces.push(p)
    offset += p.length
  }
  const emitChunk = ([h, p]: [Uint8Array, Uint8Array | undefined]): void => {
    emit(h, true)
    if (p) emit(p, false)
  }
  const chunks = (raw: RawMessage, csid: number): Array<[Uint8Array, Uint8Array | undefined]> => {
    const ps = writer.write(raw, csid)
    const out: Array<[Uint8Array, Uint8Array | undefined]> = []
    for (let i = 0; i < ps.length; i += 2) out.push([ps[i]!, ps[i + 1]])
    return out
  }
  const raw = (make: () => RtmpMessage, streamId: number): RawMessage => {
    const { typeId, payload } = encodeSome(make)
    ts = (ts + rng.pick([0, 0, 10, 40, 0xffffff, 0x7fffffff, rng.int(0, 1000)])) >>> 0
    return { typeId, payload, timestamp: ts, streamId }
  }
  for (let n = rng.int(1, 10); n > 0; n--) {
    const r = rng.next()
    if (r < 0.1) {
      const size = rng.pick([1, 2, 64, 127, 4096, 65536, rng.int(1, 300)])
      for (const c of chunks(raw(() => ({ type: 'setChunkSize', chunkSize: size }), 0), 2)) emitChunk(c)
      writer.setChunkSize(size)
      continue
    }
    const group = r < 0.3 ? rng.int(2, 3) : 1
    const lists = Array.from({ length: group }, (_, g) => {
      const csid = g === 0 ? rng.pick(CSIDS) : rng.pick(CSIDS.filter((c) => c !== 2))
      return { csid, list: chunks(raw(messages, rng.pick([0, 0, 1, 1, 2, 0xffffffff])), csid) }
    })
    if (group === 1 && rng.next() < 0.1 && lists[0]!.list.length > 1) {
      // send part of the message, then Abort its chunk stream
      const { csid, list } = lists[0]!
      for (const c of list.slice(0, rng.int(1, list.length - 1))) emitChunk(c)
      for (const c of chunks(raw(() => ({ type: 'abort', chunkStreamId: csid }), 0), 2)) emitChunk(c)
      continue
    }
    // interleave chunk by chunk (distinct csids only: one partial message per chunk stream)
    const seen = new Set<number>()
    const active = lists.filter((l) => (seen.has(l.csid) ? false : (seen.add(l.csid), true)))
    while (active.some((l) => l.list.length > 0)) {
      const l = rng.pick(active.filter((x) => x.list.length > 0))
      emitChunk(l.list.shift()!)
    }
  }
  return { bytes: concatBytes(pieces), fields }
}

/** Deterministic "random" bytes for handshakes under test, so that two runs of one input answer the same. */
export const zeros = (n: number): Uint8Array => new Uint8Array(n)

/** C0+C1 (complex or simple, from our client) + C2 (random or an echo), optionally followed by chunk bytes. */
export function clientHandshake(rng: Rng): Sample {
  const c0c1 = new Handshake('client', { complex: rng.next() < 0.7, randomBytes: (n) => rng.bytes(n) }).start()
  if (rng.next() < 0.1) c0c1[0] = rng.pick([6, 8, 0, 0xff])
  const c2 = rng.next() < 0.5 ? rng.bytes(1536) : c0c1.slice(1)
  const rest = rng.next() < 0.5 ? rng.bytes(rng.int(0, 40)) : new Uint8Array(0)
  return { bytes: concatBytes([c0c1, c2, rest]), fields: handshakeFields(0) }
}

/** S0+S1+S2 that our server gives a client whose random bytes are zeros (the client the target replays). */
export function serverHandshake(rng: Rng): Sample {
  const client = new Handshake('client', { complex: true, randomBytes: zeros })
  const server = new Handshake('server', { randomBytes: (n) => rng.bytes(n) })
  const reply = server.receive(client.start()).send[0]!
  const rest = rng.next() < 0.5 ? rng.bytes(rng.int(0, 40)) : new Uint8Array(0)
  return { bytes: concatBytes([reply, rest]), fields: handshakeFields(0) }
}

/** Version byte, the 4-byte version of C1/S1 and both digest offset fields. */
function handshakeFields(at: number): Field[] {
  return [
    { offset: at, size: 1, kind: 'marker' },
    { offset: at + 5, size: 4, kind: 'length' },
    { offset: at + 9, size: 4, kind: 'length' },
    { offset: at + 773, size: 4, kind: 'length' },
  ]
}

/** What a publisher or a player sends after connecting, in the order real clients send it. */
function sessionScript(rng: Rng): RtmpMessage[] {
  const cmd = (name: string, tid: number, ...args: AmfValue[]): RtmpMessage => ({ type: 'command', encoding: 'amf0', name, transactionId: tid, commandObject: null, args })
  const out: RtmpMessage[] = [randomCommand(rng, 'connect')]
  if (rng.next() < 0.5) out.unshift({ type: 'setChunkSize', chunkSize: rng.pick([4096, 60000, 1]) })
  const name = rng.pick(['cam', 'live?token=1', 'a'.repeat(rng.int(1, 200))])
  if (rng.bool()) {
    out.push(cmd('releaseStream', 2, name), cmd('FCPublish', 3, name), cmd('createStream', 4, null))
    out.push(cmd('publish', 5, name, 'live'))
    out.push(randomData(rng))
    const tags = realCorpus().tags
    for (let n = rng.int(0, 8); n > 0; n--) {
      if (tags.length > 0 && rng.bool()) {
        const t = rng.pick(tags)
        out.push(t.type === 8 ? { type: 'audio', data: t.data } : t.type === 9 ? { type: 'video', data: t.data } : randomData(rng))
      } else out.push(rng.bool() ? { type: 'audio', data: audioPayload(rng).bytes } : { type: 'video', data: videoPayload(rng).bytes })
    }
    if (rng.bool()) out.push(cmd('FCUnpublish', 6, name), cmd('deleteStream', 7, 1))
  } else {
    out.push(cmd('createStream', 2, null), cmd('getStreamLength', 3, name), cmd('play', 4, name, -2, -1, true))
    out.push({ type: 'userControl', event: { kind: 'setBufferLength', streamId: 1, bufferLength: 3000 } })
    if (rng.bool()) out.push(cmd('pause', 0, true, 100), cmd('pause', 0, false, 100), cmd('seek', 0, 500))
    if (rng.bool()) out.push(cmd('receiveAudio', 0, false), cmd('play2', 0, { streamName: name }), cmd('closeStream', 0))
  }
  for (let n = rng.int(0, 4); n > 0; n--) out.splice(rng.int(1, out.length), 0, randomMessage(rng))
  if (rng.next() < 0.004) {
    // strings as long as a message allows, which the server may echo in its answers
    const huge = rng.pick([
      (): RtmpMessage => cmd(hugeString(rng, 40), 9, null),
      (): RtmpMessage => cmd('publish', 9, hugeString(rng, 8_000_000), 'live'),
      (): RtmpMessage => cmd('play', 9, hugeString(rng, 60)),
    ])()
    out.splice(rng.int(2, out.length), 0, huge)
  }
  return out
}

/**
 * A whole client connection as the server sees it: C0+C1+C2, then a publisher's or player's messages
 * (stream commands on stream 1, as after the first createStream), real captures 1 time in 5.
 */
export function clientSession(rng: Rng): Sample {
  const real = realCorpus().clientSessions
  if (real.length > 0 && rng.next() < 0.2) return { bytes: rng.pick(real).slice(), start: HANDSHAKE_BYTES }
  const hs = clientHandshake(rng).bytes.subarray(0, HANDSHAKE_BYTES)
  const script = sessionScript(rng)
  const writer = new ChunkWriter()
  const pieces: Uint8Array[] = [hs]
  const fields: Field[] = []
  let offset = hs.length
  let ts = 0
  for (const msg of script) {
    const onStream = msg.type === 'audio' || msg.type === 'video' || msg.type === 'data' || (msg.type === 'command' && ['publish', 'play', 'pause', 'seek', 'receiveAudio', 'play2', 'closeStream', 'FCUnpublish'].includes(msg.name))
    const { typeId, payload } = encodeSome(() => msg)
    const csid = msg.type === 'audio' ? 4 : msg.type === 'video' ? 6 : typeId <= 6 ? 2 : onStream ? 8 : 3
    if (msg.type === 'audio' || msg.type === 'video') ts += rng.int(0, 40)
    const ps = writer.write({ typeId, payload, timestamp: ts, streamId: onStream ? 1 : 0 }, csid)
    ps.forEach((p, i) => {
      if (i % 2 === 0) fields.push({ offset, size: p.length, kind: 'header' })
      pieces.push(p)
      offset += p.length
    })
    if (msg.type === 'setChunkSize') writer.setChunkSize(msg.chunkSize)
  }
  return { bytes: concatBytes(pieces), fields, start: HANDSHAKE_BYTES }
}
