import { ChunkReader } from '../../src/chunk/chunk-reader'
import { DEFAULT_CHUNK_LIMITS } from '../../src/chunk/chunk-limits'
import { ChunkError, HandshakeError, MessageError, SessionStateError } from '../../src/errors'
import { Handshake } from '../../src/handshake/handshake'
import { decodeMessage } from '../../src/message/message-codec'
import { ServerSession, type ServerSessionAction, type ServerSessionOptions } from '../../src/session/server-session'
import { createRng, type Rng } from '../helpers/rng'
import { amf0Size } from './amf-size'
import { HANDSHAKE_BYTES, realCorpus } from './corpus'
import { caseSeed } from './engine'
import { clientSession, zeros } from './gen-stream'
import { randomPieces } from './mutate'
import { errorKey, fail, sameRun, type Run } from './oracle'
import { reencodeBound } from './targets-amf'
import type { FuzzTarget } from './target'
import { describe, digest } from './transcript'

/** When the application answers connect/publish/play requests, and how. */
export type Policy = 'at-end' | 'accept' | 'reject' | 'mixed' | 'never'

const TIGHT: ServerSessionOptions = {
  chunkSize: 128,
  maxStreams: 2,
  chunkLimits: { maxMessageLength: 4096, maxChunkStreams: 4, maxBufferedBytes: 16 * 1024 },
  amfLimits: { maxDepth: 6, maxItems: 64, maxReferences: 64 },
}

/** Reads what the server sends, as a client would: it must always decode. */
const PEER_LIMITS = { maxChunkSize: 0x7fffffff, maxMessageLength: 0xffffff, maxChunkStreams: 65598, maxBufferedBytes: 1 << 30 }

/**
 * Handshake, then ServerSession, fed `pieces`; requests answered per `policy`. The transcript has the
 * handshake replies, every event, every message the server sent (decoded; acknowledgements left out, since
 * when they go depends on the split) and closes.
 */
function runSession(pieces: readonly Uint8Array[], options: ServerSessionOptions, policy: Policy, mix: number): Run {
  const hs = new Handshake('server', { randomBytes: zeros })
  const session = new ServerSession(options)
  const peer = new ChunkReader(PEER_LIMITS)
  const transcript: string[] = []
  const pending: number[] = []
  let inputLength = 0
  for (const p of pieces) inputLength += p.length
  const apply = (actions: readonly ServerSessionAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') {
        for (const d of a.data) readOutput(peer, d, transcript)
      } else if (a.type === 'close') {
        transcript.push(`close ${a.reason}`)
      } else {
        const e = a.event
        transcript.push(`event ${describe(e)}`)
        if ('requestId' in e) pending.push(e.requestId)
        if (e.type === 'data') {
          // ServerConnection re-encodes a publisher's data message (encodeAmf0(values)) to forward it.
          const bound = reencodeBound(inputLength)
          const size = amf0Size(e.values, bound)
          if (size > bound) fail(`data event: re-encoding its values as ServerConnection does writes more than ${size} bytes for a ${inputLength}-byte input: amplification`)
        }
      }
    }
  }
  const answer = (): void => {
    while (pending.length > 0) {
      const id = pending.shift()!
      const yes = policy === 'accept' || policy === 'at-end' || (policy === 'mixed' && (caseSeed(mix, id) & 1) === 0)
      apply(yes ? session.accept(id) : session.reject(id, { description: 'fuzz' }))
    }
  }
  let afterHandshake = 0
  try {
    for (const piece of pieces) {
      let bytes = piece
      if (!hs.done) {
        const r = hs.receive(bytes)
        for (const s of r.send) transcript.push(`handshake ${digest(s)}`)
        if (!r.done) continue
        apply(session.start())
        bytes = r.rest
      }
      if (session.state !== 'closed') afterHandshake += bytes.length
      apply(session.receive(bytes))
      if (policy !== 'at-end' && policy !== 'never') answer()
    }
    if (policy === 'at-end') answer()
    apply(session.closed())
  } catch (error) {
    return { transcript, failed: true, error }
  }
  if (session.bytesReceived !== afterHandshake) fail(`bytesReceived ${session.bytesReceived}, fed ${afterHandshake}`)
  return { transcript, failed: false, error: undefined }
}

function readOutput(peer: ChunkReader, bytes: Uint8Array, transcript: string[]): void {
  try {
    peer.receive(bytes, (m) => {
      decodeMessage(m)
      if (m.typeId !== 3) transcript.push(`send ${m.typeId} ${m.streamId} ${m.timestamp} ${digest(m.payload)}`)
    })
  } catch (err) {
    fail(`what the server sent does not decode: ${errorKey(err)}: ${(err as Error).message}`)
  }
}

/** The policy and options a case with this check seed uses (tests pick a seed for the policy they need). */
export function sessionVariant(checkSeed: number): { policy: Policy; options: ServerSessionOptions } {
  return choose(createRng(checkSeed))
}

function choose(rng: Rng): { policy: Policy; options: ServerSessionOptions } {
  const policy = rng.pick<Policy>(['at-end', 'at-end', 'accept', 'reject', 'mixed', 'never'])
  return { policy, options: rng.next() < 0.25 ? TIGHT : {} }
}

export const sessionTarget: FuzzTarget = {
  name: 'session',
  about: "Handshake('server') + ServerSession.receive(bytes) with requests accepted/rejected/left pending; whole and split agree; output always decodes",
  allowed: [HandshakeError, ChunkError, MessageError, SessionStateError],
  seeds: (rng) => [
    ...realCorpus().clientSessions.map((bytes) => ({ bytes, start: HANDSHAKE_BYTES })),
    ...Array.from({ length: 20 }, () => clientSession(rng)),
  ],
  generate: clientSession,
  tokens: [Uint8Array.of(0x03), Uint8Array.of(0xc3), Uint8Array.of(0x02, 0x00, 0x07), Uint8Array.of(0x00, 0x00, 0x09), Uint8Array.of(0x11)],
  check(input, rng) {
    const { policy, options } = choose(rng)
    const mix = rng.int(0, 0xffffffff)
    const split = runSession(randomPieces(input, rng), options, policy, mix)
    // Answers given between pieces change what the session does next; only deferred answers compare.
    if (policy === 'at-end') sameRun(runSession([input], options, policy, mix), split, 'ServerSession', true)
    if (split.failed) throw split.error
  },
  // two sessions per case, each may reserve its reader's maxBufferedBytes
  memoryBudget: (input) => 2 * DEFAULT_CHUNK_LIMITS.maxBufferedBytes + 8 * input.length + (4 << 20),
  quickCases: 1000,
}
