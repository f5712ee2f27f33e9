import { createHmac } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { Handshake } from '../../src/handshake/handshake'
import { concat, hex, toHex } from '../helpers/hex'

// Everything here is recomputed from the notes with node:crypto directly; our digest module is not used.
// The pinned digests were computed once with Python's hmac module (see the comment on `pinned`).

const TAIL = hex`F0 EE C2 4A 80 68 BE E8 2E 00 D0 D1 02 9E 7E 57 6E EC 5D 2D 29 80 6F AB 93 B8 E6 36 CF EB 31 AE`
const PLAYER_KEY = concat([new TextEncoder().encode('Genuine Adobe Flash Player 001'), TAIL]) // 62 bytes
const SERVER_KEY = concat([new TextEncoder().encode('Genuine Adobe Flash Media Server 001'), TAIL]) // 68 bytes

const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** scheme 0: bytes 8..11, scheme 1: bytes 772..775; sum % 728 + base + 4 */
const offsetOf = (packet: Uint8Array, scheme: 0 | 1): number => {
  const base = scheme === 0 ? 8 : 772
  return ((packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!) % 728) + base + 4
}

/** the digest a 1536-byte C1/S1 should carry at `offset` */
const expectedDigest = (packet: Uint8Array, offset: number, key: Uint8Array): Uint8Array =>
  hmac(key, packet.subarray(0, offset), packet.subarray(offset + 32))

/** the digest a 1536-byte C2/S2 should end with */
const expectedResponse = (packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Uint8Array =>
  hmac(hmac(fullKey, peerDigest), packet.subarray(0, 1504))

/** randomBytes(n) → the pattern (i*7+1) & 0xff, restarted on every call (same as the Python script) */
const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff)
const options = { randomBytes: pattern, epoch: 0x01020304 }

// python3: hmac.new(key, msg, hashlib.sha256) over the same packets (epoch 01020304, pattern random bytes)
const pinned = {
  c1Offset: 58, // (1 + 8 + 15 + 22) % 728 + 12
  c1Digest: '7f1686b8187392f0272eb796b4e3ddc45a311d1ac9995f30591e776c746ee493',
  s1Digest: 'c74dc1d76ef601f9a1ffc67cfb52e7ff8e7e5b0d1eb83d776e9821752d799b56',
  s2Digest: '41d335ac971cdfa47be641d0f7e467094c14629964dcd32433cb376b24ddddca',
  c2Digest: 'd06b9a5188a11319d4b9f27b97d266d354f9aff5fbf8f4e210a7676ac0036f54',
}
const plain = (b: Uint8Array): string => toHex(b).replace(/ /g, '')

function handshakeBytes() {
  const client = new Handshake('client', options)
  const server = new Handshake('server', options)
  const c0c1 = client.start()
  const s0s1s2 = concat(server.receive(c0c1).send)
  const c2 = concat(client.receive(s0s1s2).send)
  return { c0c1, s0s1s2, c2, client, server }
}

describe('handshake vectors (independent HMAC)', () => {
  it('keys are 62 and 68 bytes', () => {
    expect(PLAYER_KEY.length).toBe(62)
    expect(SERVER_KEY.length).toBe(68)
  })

  it('builds a complex C1: version 3, epoch, Flash version 9.0.124.2, scheme-0 digest keyed with 30 bytes of the player key', () => {
    const { c0c1 } = handshakeBytes()
    expect(c0c1.length).toBe(1537)
    expect(c0c1[0]).toBe(3)
    const c1 = c0c1.subarray(1)
    expect(c1.subarray(0, 8)).toEqual(hex`01 02 03 04  09 00 7c 02`)
    const offset = offsetOf(c1, 0)
    expect(offset).toBe(pinned.c1Offset)
    const digest = c1.subarray(offset, offset + 32)
    expect(digest).toEqual(expectedDigest(c1, offset, PLAYER_KEY.subarray(0, 30)))
    expect(plain(digest)).toBe(pinned.c1Digest)
  })

  it('answers a complex C1 with S1 (server version, scheme-0 digest, 36-byte key) and S2 (keyed from the C1 digest)', () => {
    const { c0c1, s0s1s2 } = handshakeBytes()
    expect(s0s1s2.length).toBe(3073)
    expect(s0s1s2[0]).toBe(3)
    const c1 = c0c1.subarray(1)
    const c1Digest = c1.subarray(offsetOf(c1, 0), offsetOf(c1, 0) + 32)
    const s1 = s0s1s2.subarray(1, 1537)
    const s2 = s0s1s2.subarray(1537)
    expect(s1.subarray(0, 8)).toEqual(hex`01 02 03 04  0d 0e 0a 0d`)
    expect(s1[4]).toBeGreaterThanOrEqual(3) // ffmpeg only validates (and so only accepts digests) when S1[4] >= 3
    const s1Offset = offsetOf(s1, 0)
    const s1Digest = s1.subarray(s1Offset, s1Offset + 32)
    expect(s1Digest).toEqual(expectedDigest(s1, s1Offset, SERVER_KEY.subarray(0, 36)))
    expect(plain(s1Digest)).toBe(pinned.s1Digest)
    expect(s2.subarray(1504)).toEqual(expectedResponse(s2, c1Digest, SERVER_KEY))
    expect(plain(s2.subarray(1504))).toBe(pinned.s2Digest)
  })

  it('answers S1 with a complex C2 keyed from the full player key and the S1 digest', () => {
    const { s0s1s2, c2, client, server } = handshakeBytes()
    const s1 = s0s1s2.subarray(1, 1537)
    const s1Digest = s1.subarray(offsetOf(s1, 0), offsetOf(s1, 0) + 32)
    expect(c2.length).toBe(1536)
    expect(c2.subarray(1504)).toEqual(expectedResponse(c2, s1Digest, PLAYER_KEY))
    expect(plain(c2.subarray(1504))).toBe(pinned.c2Digest)
    expect(client.complex).toBe(true)
    expect(server.complex).toBe(true)
  })

  it('answers a scheme-1 C1 with its S1 digest at the scheme-1 offset', () => {
    const c1 = pattern(1536)
    c1.set(hex`00 00 00 00  80 00 07 02`, 0)
    const c1Offset = offsetOf(c1, 1)
    c1.set(expectedDigest(c1, c1Offset, PLAYER_KEY.subarray(0, 30)), c1Offset)
    const server = new Handshake('server', { randomBytes: pattern })
    const out = concat(server.receive(concat([hex`03`, c1])).send)
    const s1 = out.subarray(1, 1537)
    const s2 = out.subarray(1537)
    const s1Offset = offsetOf(s1, 1)
    expect(server.complex).toBe(true)
    expect(s1.subarray(s1Offset, s1Offset + 32)).toEqual(expectedDigest(s1, s1Offset, SERVER_KEY.subarray(0, 36)))
    expect(s2.subarray(1504)).toEqual(expectedResponse(s2, c1.subarray(c1Offset, c1Offset + 32), SERVER_KEY))
  })

  it('accepts an S1/S2 built by hand in scheme 1 (strict)', () => {
    const client = new Handshake('client', { strict: true, randomBytes: pattern })
    const c1 = client.start().subarray(1)
    const c1Digest = c1.slice(offsetOf(c1, 0), offsetOf(c1, 0) + 32)
    const s1 = pattern(1536).map((b) => b ^ 0x5a)
    s1.set(hex`00 00 00 00  04 05 00 01`, 0)
    const s1Offset = offsetOf(s1, 1)
    s1.set(expectedDigest(s1, s1Offset, SERVER_KEY.subarray(0, 36)), s1Offset)
    const s2 = pattern(1536)
    s2.set(expectedResponse(s2, c1Digest, SERVER_KEY), 1504)
    const r = client.receive(concat([hex`03`, s1, s2]))
    expect(r.done).toBe(true)
    expect(client.complex).toBe(true)
    const c2 = concat(r.send)
    expect(c2.subarray(1504)).toEqual(expectedResponse(c2, s1.subarray(s1Offset, s1Offset + 32), PLAYER_KEY))
  })
})
