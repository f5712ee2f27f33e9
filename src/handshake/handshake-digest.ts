import { createHmac } from 'node:crypto'
import { DIGEST_LENGTH, PACKET_SIZE, RESPONSE_DIGEST_OFFSET } from './handshake-constants'

/**
 * Where a C1/S1 keeps its digest (Flash Player 9 "complex" handshake). Scheme 0 reads the offset from bytes
 * 8..11, scheme 1 from bytes 772..775; S1 uses the scheme its C1 used.
 */
export type DigestScheme = 0 | 1

/** A digest found in a C1/S1. `offset` is relative to the 1536-byte packet (C0/S0 excluded). */
export interface FoundDigest {
  readonly scheme: DigestScheme
  readonly offset: number
}

/**
 * Offset of the 32-byte digest in a 1536-byte C1/S1: the four bytes at the scheme's base, summed,
 * mod 728, placed just after those four bytes. Always lands inside the packet (max 1503 + 32 = 1535).
 */
export function digestOffset(packet: Uint8Array, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!
  return (sum % 728) + base + 4
}

/** HMAC-SHA256 over the 1536-byte packet minus the 32 bytes at `offset` (the digest's own slot). */
export function packetDigest(packet: Uint8Array, offset: number, key: Uint8Array): Uint8Array {
  return createHmac('sha256', key)
    .update(packet.subarray(0, offset))
    .update(packet.subarray(offset + DIGEST_LENGTH, PACKET_SIZE))
    .digest()
}

/** Computes the digest for `scheme` and writes it into its slot. Returns the offset it was written at. */
export function imprintDigest(packet: Uint8Array, scheme: DigestScheme, key: Uint8Array): number {
  const offset = digestOffset(packet, scheme)
  packet.set(packetDigest(packet, offset, key), offset)
  return offset
}

/** Looks for a valid digest under scheme 0, then scheme 1 (the order nginx-rtmp uses). */
export function findDigest(packet: Uint8Array, key: Uint8Array): FoundDigest | undefined {
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(packet, scheme)
    if (equal(packetDigest(packet, offset, key), packet.subarray(offset, offset + DIGEST_LENGTH))) return { scheme, offset }
  }
  return undefined
}

/**
 * Digest of a complex C2/S2: HMAC-SHA256 keyed with HMAC-SHA256(fullKey, peerDigest), over the first 1504
 * bytes. S2 uses the full server key and the client's C1 digest; C2 the full player key and the S1 digest.
 */
export function responseDigest(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Uint8Array {
  const key = createHmac('sha256', fullKey).update(peerDigest).digest()
  return createHmac('sha256', key).update(packet.subarray(0, RESPONSE_DIGEST_OFFSET)).digest()
}

/** Writes the response digest into the last 32 bytes of a 1536-byte C2/S2. */
export function signResponse(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): void {
  packet.set(responseDigest(packet, peerDigest, fullKey), RESPONSE_DIGEST_OFFSET)
}

/** Whether the last 32 bytes of a 1536-byte C2/S2 are the response digest for `peerDigest`. */
export function verifyResponse(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): boolean {
  return equal(responseDigest(packet, peerDigest, fullKey), packet.subarray(RESPONSE_DIGEST_OFFSET, PACKET_SIZE))
}

// The keys are public, so a plain comparison is enough (no timing secret to protect).
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
