import { describe, expect, it } from 'vitest'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import { encodeMessage } from '../../src/message/message-codec'
import type { AmfObject } from '../../src/amf/amf-value'
import type { CommandMessage, RtmpMessage } from '../../src/message/rtmp-message'
import { Builder } from './builder'
import { judgeCase } from './engine'
import { KNOWN_BUGS } from './known-bugs'
import { concatBytes } from './oracle'
import type { FuzzTarget } from './target'
import { createRng } from '../helpers/rng'
import { amf0Target } from './targets-amf'
import { chunkTarget } from './targets-chunk'
import { sessionTarget, sessionVariant, type Policy } from './targets-session'

// One minimal reproduction per known bug, through the same target check and oracles as the fuzzer. They run as
// `it.fails`: when a bug is fixed its test fails, and the bug's entry (known-bugs.ts) and this case should go.

const cmd = (name: string, transactionId: number, ...args: Array<string | number>): CommandMessage => ({
  type: 'command',
  encoding: 'amf0',
  name,
  transactionId,
  commandObject: null,
  args,
})
const connect = (commandObject: AmfObject): CommandMessage => ({ ...cmd('connect', 1), commandObject })

/** C0+C1+C2 of a simple handshake, then `messages` chunked as a client sends them (commands on csid 3). */
function clientBytes(messages: ReadonlyArray<{ msg: RtmpMessage; streamId?: number }>): Uint8Array {
  const writer = new ChunkWriter({ chunkSize: 60_000 })
  const pieces: Uint8Array[] = [Uint8Array.of(3), new Uint8Array(1536), new Uint8Array(1536)]
  pieces.push(...writer.write({ typeId: 1, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 0, 0xea, 0x60) }, 2))
  for (const { msg, streamId = 0 } of messages) {
    const { typeId, payload } = encodeMessage(msg)
    pieces.push(...writer.write({ typeId, payload, streamId, timestamp: 0 }, streamId === 0 ? 3 : 8))
  }
  return concatBytes(pieces)
}

/** A check seed whose session case answers requests with `policy`. */
function seedFor(policy: Policy): number {
  for (let s = 1; ; s++) if (sessionVariant(s).policy === policy && Object.keys(sessionVariant(s).options).length === 0) return s
}

/**
 * Passes only when the case does NOT fail with `id`'s failure; inside `it.fails` that means the test passes
 * exactly while the bug reproduces (another failure, or none, makes it fail).
 */
function expectNot(id: string, target: FuzzTarget, input: Uint8Array, checkSeed: number): void {
  const bug = KNOWN_BUGS.find((b) => b.id === id)!
  expect(judgeCase(target, input, checkSeed).failure?.message ?? 'no failure').not.toMatch(bug.pattern)
}

/** The case passes every oracle of its target (used for the bugs that were fixed: they must stay fixed). */
function expectClean(target: FuzzTarget, input: Uint8Array, checkSeed: number): void {
  expect(judgeCase(target, input, checkSeed).failure?.message).toBeUndefined()
}

describe('bugs the fuzzer found (it.fails while open; plain tests once fixed)', () => {
  it('every known bug has a reproduction here', () => {
    const ids = new Set(KNOWN_BUGS.map((b) => b.id))
    expect([...ids].sort()).toEqual(['amf0-avmplus-reference-amplification'])
  })

  it.fails('amf0-avmplus-reference-amplification: 2 KB of AMF0 re-encode to 100 KB', () => {
    // 11 (avmplus) 09 (AMF3 array) of 1000 items: "aaa…" (100 bytes) then 999 references to it (06 00)
    const b = new Builder().u8(0x11).u8(0x09).u29(1000 * 2 + 1).u8(0x01).u8(0x06).u29(100 * 2 + 1).bytes(new Uint8Array(100).fill(0x61))
    for (let i = 1; i < 1000; i++) b.u8(0x06).u8(0x00)
    expectNot('amf0-avmplus-reference-amplification', amf0Target, b.sample().bytes, 1)
  })

  it("fixed: connect-app-trailing-slash-regex: connect with app '/'×40000 + 'x' takes over 250 ms", () => {
    const input = clientBytes([{ msg: connect({ app: `${'/'.repeat(40_000)}x`, tcUrl: 'rtmp://h/live' }) }])
    expectClean(sessionTarget, input, seedFor('never'))
  })

  it('fixed: chunk-abort-reallocation-churn: 5 KB of chunks make 500 allocations of 16 MiB', () => {
    const b = new Builder()
    b.bytes([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1]) // csid 2: Set Chunk Size 1
    b.bytes([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0, 0xaa]) // csid 3: video of 0xFFFFFF bytes, its first byte
    b.bytes([0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 0x00, 0xc2, 0x00, 0xc2, 0x00, 0xc2, 0x03]) // csid 2: Abort(3)
    for (let i = 1; i < 500; i++) b.bytes([0xc3, 0xaa, 0xc2, 0, 0xc2, 0, 0xc2, 0, 0xc2, 3]) // the same again, fmt 3 headers
    let seed = 1
    while (!createRng(seed).bool()) seed++ // a case that reads with the default limits (16 MiB messages)
    expectClean(chunkTarget, b.sample().bytes, seed)
  })

  it('fixed: session-answer-over-max-message-length: an unknown command named with 16 MiB - 40 bytes', () => {
    const name = 'h'.repeat(0xffffff - 40)
    const input = clientBytes([{ msg: connect({ app: 'live' }) }, { msg: cmd(name, 2) }])
    expectClean(sessionTarget, input, seedFor('accept'))
  })

  it('fixed: session-answer-over-max-message-length: publish of a 9 MB stream name, accepted', () => {
    const input = clientBytes([
      { msg: connect({ app: 'live' }) },
      { msg: cmd('createStream', 2) },
      { msg: cmd('publish', 3, 'p'.repeat(9_000_000), 'live'), streamId: 1 },
    ])
    expectClean(sessionTarget, input, seedFor('accept'))
  })
})
