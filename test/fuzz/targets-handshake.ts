import { Handshake, type HandshakeRole } from '../../src/handshake/handshake'
import { HandshakeError } from '../../src/errors'
import type { Rng } from '../helpers/rng'
import { HANDSHAKE_BYTES, realCorpus } from './corpus'
import { clientHandshake, serverHandshake, zeros } from './gen-stream'
import { randomPieces } from './mutate'
import { bytesEqual, concatBytes, fail, sameRun, type Run } from './oracle'
import { proportional, type FuzzTarget } from './target'
import { digest } from './transcript'

interface HandshakeRun extends Run {
  readonly done: boolean
  readonly sent: Uint8Array
  readonly rest: Uint8Array
  readonly complex: boolean
}

/**
 * Feeds `pieces` to a fresh handshake (deterministic random bytes, so that runs compare). After done, the
 * remaining pieces are what the chunk layer gets. After a failure, receive() must keep refusing.
 */
function runHandshake(role: HandshakeRole, strict: boolean, pieces: readonly Uint8Array[]): HandshakeRun {
  const hs = new Handshake(role, { randomBytes: zeros, strict })
  if (role === 'client') hs.start()
  const sent: Uint8Array[] = []
  const rest: Uint8Array[] = []
  const transcript: string[] = []
  let done = false
  try {
    for (const piece of pieces) {
      if (done) {
        rest.push(piece)
        continue
      }
      const r = hs.receive(piece)
      for (const s of r.send) {
        sent.push(s)
        transcript.push(`send ${digest(s)}`)
      }
      if (r.done) {
        done = true
        rest.push(r.rest)
      } else if (r.rest.length > 0) fail(`receive() returned ${r.rest.length} rest bytes before the handshake was done`)
    }
  } catch (error) {
    try {
      hs.receive(Uint8Array.of(3))
    } catch (again) {
      if (!(again instanceof HandshakeError) || again.code !== 'RTMP_ERR_INVALID_STATE') fail(`receive() after a failure threw ${String(again)}`)
      return { transcript, failed: true, error, done, sent: concatBytes(sent), rest: new Uint8Array(0), complex: hs.complex }
    }
    return fail('receive() after a failure did not throw')
  }
  transcript.push(`done ${done}`)
  return { transcript, failed: false, error: undefined, done, sent: concatBytes(sent), rest: concatBytes(rest), complex: hs.complex }
}

function checkHandshake(role: HandshakeRole, input: Uint8Array, rng: Rng): void {
  const strict = role === 'client' && rng.bool()
  const whole = runHandshake(role, strict, [input])
  sameRun(whole, runHandshake(role, strict, randomPieces(input, rng)), `${role} handshake`)
  if (whole.failed) throw whole.error
  const consumed = role === 'server' ? HANDSHAKE_BYTES : 1 + 2 * 1536
  if (input.length < consumed) {
    if (whole.done) fail(`${role} handshake done after only ${input.length} bytes`)
    return
  }
  if (!whole.done) fail(`${role} handshake not done after ${input.length} bytes`)
  if (!bytesEqual(whole.rest, input.subarray(consumed))) fail(`${role} handshake: rest is not the ${input.length - consumed} bytes after the handshake`)
  if (role === 'server') {
    if (whole.sent.length !== 1 + 2 * 1536 || whole.sent[0] !== 3) fail(`server sent ${whole.sent.length} bytes, not S0+S1+S2`)
    if (!whole.complex && !bytesEqual(whole.sent.subarray(1537), input.subarray(1, 1537))) fail('simple handshake: S2 is not an echo of C1')
  } else if (whole.sent.length !== 1536) fail(`client sent ${whole.sent.length} bytes after S0+S1+S2, not C2`)
}

export const handshakeServerTarget: FuzzTarget = {
  name: 'handshake-server',
  about: "Handshake('server').receive(C0+C1+C2…) whole and split: same replies; rest = the bytes after C2; S2 echoes C1 when simple",
  allowed: [HandshakeError],
  seeds: (rng) => [
    ...realCorpus().clientSessions.map((s) => ({ bytes: s.slice(0, HANDSHAKE_BYTES + 64) })),
    ...Array.from({ length: 6 }, () => clientHandshake(rng)),
  ],
  generate: clientHandshake,
  check: (input, rng) => checkHandshake('server', input, rng),
  memoryBudget: proportional(8),
  quickCases: 1200,
}

export const handshakeClientTarget: FuzzTarget = {
  name: 'handshake-client',
  about: "Handshake('client', strict or lenient) after start(): receive(S0+S1+S2…) whole and split, same C2 and rest",
  allowed: [HandshakeError],
  seeds: (rng) => [
    ...realCorpus().serverSessions.map((s) => ({ bytes: s.slice(0, HANDSHAKE_BYTES + 64) })),
    ...Array.from({ length: 6 }, () => serverHandshake(rng)),
  ],
  generate: serverHandshake,
  check: (input, rng) => checkHandshake('client', input, rng),
  memoryBudget: proportional(8),
  quickCases: 1200,
}
