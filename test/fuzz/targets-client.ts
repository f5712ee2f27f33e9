import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import { DEFAULT_CHUNK_LIMITS } from '../../src/chunk/chunk-limits'
import { ChunkError, HandshakeError, MessageError, SessionStateError } from '../../src/errors'
import { Handshake } from '../../src/handshake/handshake'
import { decodeMessage } from '../../src/message/message-codec'
import { ClientSession, type ClientSessionAction } from '../../src/session/client-session'
import { ServerSession, type ServerSessionAction } from '../../src/session/server-session'
import type { Rng } from '../helpers/rng'
import { realCorpus } from './corpus'
import { encodeSome, randomCommand, randomData, randomMessage, serverHandshake, zeros } from './gen-stream'
import { randomPieces, type Sample } from './mutate'
import { concatBytes, errorKey, fail, sameRun, type Run } from './oracle'
import type { FuzzTarget } from './target'
import { describe, digest } from './transcript'

const CONNECT = { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }

/** What the client does on each event: after connect, create a stream; then play or publish on it. */
type Mode = 'play' | 'publish' | 'passive'

function drive(client: ClientSession, mode: Mode, e: ClientSessionAction): ClientSessionAction[] {
  if (e.type !== 'event' || mode === 'passive') return []
  if (e.event.type === 'connected') return client.createStream().actions
  if (e.event.type === 'streamCreated') {
    const id = e.event.streamId
    return mode === 'play' ? client.play(id, 'cam') : client.publish(id, 'cam')
  }
  return []
}

/**
 * Client handshake (random bytes zero, as the captures expect), then ClientSession fed `pieces`, driven as
 * above. The transcript has the events and what the client sent (decoded, acknowledgements left out).
 */
function runClient(pieces: readonly Uint8Array[], mode: Mode): Run {
  const hs = new Handshake('client', { randomBytes: zeros })
  hs.start()
  const client = new ClientSession()
  const peer = new ChunkReader({ maxMessageLength: 0xffffff })
  const transcript: string[] = []
  const apply = (actions: readonly ClientSessionAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') {
        for (const d of a.data) {
          try {
            peer.receive(d, (m) => {
              decodeMessage(m)
              if (m.typeId !== 3) transcript.push(`send ${m.typeId} ${m.streamId} ${digest(m.payload)}`)
            })
          } catch (err) {
            fail(`what the client sent does not decode: ${errorKey(err)}: ${(err as Error).message}`)
          }
        }
      } else if (a.type === 'event') {
        transcript.push(`event ${describe(a.event)}`)
        apply(drive(client, mode, a))
      } else transcript.push(`close ${a.reason}`)
    }
  }
  try {
    for (const piece of pieces) {
      let bytes = piece
      if (!hs.done) {
        const r = hs.receive(bytes)
        if (!r.done) continue
        apply(client.connect(CONNECT))
        bytes = r.rest
      }
      apply(client.receive(bytes))
    }
  } catch (error) {
    return { transcript, failed: true, error }
  }
  return { transcript, failed: false, error: undefined }
}

/**
 * What a server sends to such a client: S0+S1+S2, then our ServerSession's answers to the same client (accepting
 * everything; a player also gets metadata and media), with other server messages slipped in on chunk streams
 * of their own (small enough to fit one chunk at any chunk size the server may set).
 */
export function serverStream(rng: Rng): Sample {
  const real = realCorpus().serverSessions
  if (real.length > 0 && rng.next() < 0.2) return { bytes: real[0]!.slice() }
  const mode: Mode = rng.bool() ? 'play' : 'publish'
  const client = new ClientSession()
  const server = new ServerSession()
  const out: Uint8Array[] = [serverHandshake(rng).bytes.subarray(0, 1 + 2 * 1536)]
  const extra = new ChunkWriter()
  const slip = (): void => {
    if (rng.next() > 0.3) return
    const msg = rng.pick([randomMessage, randomData, (r: Rng) => randomCommand(r, r.pick(['onStatus', '_result', '_error', 'onBWDone', 'close', 'onMetaData']))])(rng)
    const { typeId, payload } = encodeSome(() => msg)
    if (payload.length <= 128) out.push(...extra.write({ typeId, payload, streamId: rng.int(0, 2), timestamp: rng.int(0, 1000) }, rng.pick([10, 11, 70])))
  }
  let played = false
  const fromServer = (actions: readonly ServerSessionAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') {
        for (const d of a.data) {
          out.push(d)
          slip()
          fromClient(client.receive(d))
        }
      } else if (a.type === 'event' && 'requestId' in a.event) {
        const playing = a.event.type === 'playRequested' ? a.event.streamId : undefined
        fromServer(server.accept(a.event.requestId))
        if (playing !== undefined && !played) {
          played = true
          for (const t of realCorpus().tags.slice(0, rng.int(0, 8))) {
            if (t.type === 8) fromServer(server.sendAudio(playing, t.timestamp, t.data))
            else if (t.type === 9) fromServer(server.sendVideo(playing, t.timestamp, t.data))
            else fromServer(server.sendDataPayload(playing, t.timestamp, t.data))
          }
        }
      }
    }
  }
  const fromClient = (actions: readonly ClientSessionAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') for (const d of a.data) fromServer(server.receive(d))
      else fromClient(drive(client, mode, a))
    }
  }
  fromClient(client.connect(CONNECT))
  return { bytes: concatBytes(out), start: 1 + 2 * 1536 }
}

export const clientSessionTarget: FuzzTarget = {
  name: 'client-session',
  about: "Handshake('client') + ClientSession.receive(server bytes), creating a stream and playing or publishing (or passive: whole and split agree)",
  allowed: [HandshakeError, ChunkError, MessageError, SessionStateError],
  seeds: (rng) => Array.from({ length: 20 }, () => serverStream(rng)),
  generate: serverStream,
  tokens: [Uint8Array.of(0x02, 0x00, 0x07, 0x5f, 0x72, 0x65, 0x73, 0x75, 0x6c, 0x74), Uint8Array.of(0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0), Uint8Array.of(0xc3)],
  check(input, rng) {
    const mode = rng.pick<Mode>(['play', 'publish', 'passive'])
    const split = runClient(randomPieces(input, rng), mode)
    // A client that answers events between pieces sees the rest of the input differently; a passive one must not.
    if (mode === 'passive') sameRun(runClient([input], mode), split, 'ClientSession', true)
    if (split.failed) throw split.error
  },
  memoryBudget: (input) => 2 * DEFAULT_CHUNK_LIMITS.maxBufferedBytes + 8 * input.length + (4 << 20),
  quickCases: 1000,
}
