import type { Rng } from './rng'

/** Every way to cut `buf` into two pieces: [buf[0..i], buf[i..]] for i = 1..len-1. */
export function* everySplit(buf: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 1; i < buf.length; i++) yield [buf.subarray(0, i), buf.subarray(i)]
}

/** `buf` cut into random pieces of 1..maxPiece bytes. */
export function randomSplits(buf: Uint8Array, rng: Rng, maxPiece = 64): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < buf.length; ) {
    const n = rng.int(1, maxPiece)
    out.push(buf.subarray(i, i + n))
    i += n
  }
  return out
}

/** `buf` one byte at a time. */
export function bytewise(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1))
  return out
}
