import type { Rng } from '../helpers/rng'

/**
 * Where a generator put something worth attacking: a length or count field (big-endian, `size` bytes), an
 * AMF3 U29 field, a type marker, or a whole header worth repeating (chunk header, FLV tag header).
 */
export interface Field {
  readonly offset: number
  readonly size: number
  readonly kind: 'length' | 'u29' | 'marker' | 'header'
}

/** One fuzz input. `fields` are valid only while no mutation changed the length; `start` biases mutations. */
export interface Sample {
  readonly bytes: Uint8Array
  readonly fields?: readonly Field[]
  /** Mutate at or after this offset 9 times in 10 (e.g. past a handshake whose random bytes matter little). */
  readonly start?: number
}

export interface MutateOptions {
  /** Byte strings that mean something to the target (markers, end markers, headers), inserted or overwritten. */
  readonly tokens?: readonly Uint8Array[]
  /** Other inputs to splice from. */
  readonly corpus?: readonly Sample[]
  /** Inputs are cut to this length. */
  readonly maxLength?: number
}

const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xfe, 0xff]
/** Values a hostile peer puts in length/count fields: 2^31 and friends, the field maximum, off-by-one. */
const HUGE = [0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x40000000, 0x01000000, 0xffffff, 0x800000, 0xffff, 0x8000, 0x7fff]
/** U29 encodings of huge lengths/counts (low bit 1 = inline) and references (low bit 0). */
const U29_HUGE: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff],
  [0xbf, 0xff, 0xff, 0xff],
  [0xc0, 0x80, 0x80, 0x01],
  [0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xfe],
  [0x8f, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0x7f],
  [0xff, 0x7f],
  [0x7f],
]

/** A mutated copy of `s` (1..8 stacked mutations, the first one field-aware when the sample has fields). */
export function mutate(s: Sample, rng: Rng, options: MutateOptions = {}): Sample {
  let bytes: Uint8Array = s.bytes.slice()
  let fields = s.fields ?? []
  const start = s.start ?? 0
  const rounds = 1 + Math.min(7, Math.floor(-Math.log2(1 - rng.next()))) // 1 most often, geometric tail
  for (let i = 0; i < rounds; i++) {
    const before = bytes.length
    if (fields.length > 0 && rng.next() < 0.5) bytes = mutateField(bytes, rng.pick(fields), rng)
    else bytes = mutateBytes(bytes, rng, start, options)
    if (bytes.length !== before) fields = []
  }
  const max = options.maxLength ?? 1 << 20
  if (bytes.length > max) bytes = bytes.subarray(0, max)
  return { bytes, start }
}

function mutateField(b: Uint8Array, f: Field, rng: Rng): Uint8Array {
  if (f.offset + f.size > b.length) return b
  switch (f.kind) {
    case 'length': {
      const remaining = b.length - f.offset - f.size
      const v = rng.pick([...HUGE, 0, 1, remaining, remaining + 1, Math.max(0, remaining - 1), rng.int(0, 0xffff)])
      writeBe(b, f.offset, f.size, v)
      return b
    }
    case 'u29': {
      const enc = rng.pick(U29_HUGE)
      return replace(b, f.offset, f.size, Uint8Array.from(enc))
    }
    case 'marker':
      b[f.offset] = rng.next() < 0.5 ? rng.int(0, 0x20) : rng.int(0, 255)
      return b
    case 'header': {
      const h = b.slice(f.offset, f.offset + f.size)
      const r = rng.next()
      if (r < 0.5) return replace(b, f.offset, 0, h) // repeat the header
      if (r < 0.7) return replace(b, f.offset, f.size, new Uint8Array(0)) // drop it
      b[f.offset + rng.int(0, f.size - 1)] = rng.pick(BOUNDARY_BYTES)
      return b
    }
  }
}

function mutateBytes(b: Uint8Array, rng: Rng, start: number, o: MutateOptions): Uint8Array {
  const at = (extra = 0): number => {
    const n = b.length + extra
    if (n <= 0) return 0
    const lo = start < n && rng.next() < 0.9 ? start : 0
    return rng.int(lo, n - 1)
  }
  const choice = rng.int(0, 13)
  if (b.length === 0 && choice < 9) return rng.bytes(rng.int(1, 16))
  switch (choice) {
    case 0: {
      const i = at()
      b[i] = b[i]! ^ (1 << rng.int(0, 7))
      return b
    }
    case 1:
      b[at()] = rng.pick(BOUNDARY_BYTES)
      return b
    case 2:
      b[at()] = rng.int(0, 255)
      return b
    case 3: {
      const i = at()
      b[i] = (b[i]! + rng.int(-35, 35)) & 0xff
      return b
    }
    case 4: {
      const size = rng.pick([2, 3, 4])
      const i = Math.min(at(), Math.max(0, b.length - size))
      if (i + size > b.length) return b
      const remaining = b.length - i - size
      writeBe(b, i, size, rng.pick([...HUGE, remaining, remaining + 1, 0]))
      return b
    }
    case 5: {
      const i = at()
      return replace(b, i, rng.int(0, 4), Uint8Array.from(rng.pick(U29_HUGE)))
    }
    case 6:
      return b.subarray(0, at()) // truncate
    case 7: {
      const i = at()
      return replace(b, i, rng.int(1, Math.min(64, b.length - i)), new Uint8Array(0)) // delete a range
    }
    case 8: {
      // duplicate a slice somewhere (right after itself: a repeated header or value)
      const i = at()
      const slice = b.slice(i, i + rng.int(1, Math.min(256, b.length - i)))
      const to = rng.next() < 0.5 ? i + slice.length : at(1)
      return replace(b, to, 0, slice)
    }
    case 9:
      return replace(b, at(1), 0, rng.bytes(rng.int(1, 16)))
    case 10: {
      const token = o.tokens && o.tokens.length > 0 ? rng.pick(o.tokens) : Uint8Array.of(rng.pick(BOUNDARY_BYTES))
      return replace(b, at(1), rng.next() < 0.5 ? 0 : token.length, token)
    }
    case 11: {
      const other = o.corpus && o.corpus.length > 0 ? rng.pick(o.corpus).bytes : b
      if (other.length === 0) return b
      const i = rng.int(0, other.length - 1)
      const slice = other.slice(i, i + rng.int(1, Math.min(512, other.length - i)))
      return replace(b, at(1), rng.next() < 0.5 ? 0 : slice.length, slice)
    }
    case 12: {
      // splice: our head + another input's tail
      const other = o.corpus && o.corpus.length > 0 ? rng.pick(o.corpus).bytes : b
      const cut = rng.int(0, other.length)
      const out = new Uint8Array(0)
      return concat2(b.subarray(0, at(1)), other.length > 0 ? other.subarray(cut) : out)
    }
    default: {
      // repeat a short run many times (runs of 0xff, of markers, of a header)
      const i = at()
      const unit = b.slice(i, i + rng.int(1, Math.min(12, b.length - i)))
      const times = rng.next() < 0.02 ? rng.int(1000, 20_000) : rng.int(2, 64)
      const run = new Uint8Array(unit.length * times)
      for (let k = 0; k < times; k++) run.set(unit, k * unit.length)
      return replace(b, i, 0, run)
    }
  }
}

/** `b` with `count` bytes at `at` replaced by `insert`. */
export function replace(b: Uint8Array, at: number, count: number, insert: Uint8Array): Uint8Array {
  const i = Math.max(0, Math.min(at, b.length))
  const end = Math.min(b.length, i + count)
  const out = new Uint8Array(b.length - (end - i) + insert.length)
  out.set(b.subarray(0, i), 0)
  out.set(insert, i)
  out.set(b.subarray(end), i + insert.length)
  return out
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

export function writeBe(b: Uint8Array, offset: number, size: number, value: number): void {
  let v = Math.max(0, Math.floor(value))
  for (let i = size - 1; i >= 0; i--) {
    b[offset + i] = v % 256
    v = Math.floor(v / 256)
  }
}

/**
 * Pieces to feed an incremental decoder: bytewise, tiny, MTU-sized or random pieces, or a few big cuts.
 * The concatenation of the pieces is always `b`.
 */
export function randomPieces(b: Uint8Array, rng: Rng): Uint8Array[] {
  const mode = rng.int(0, 4)
  if (mode === 0 && b.length <= 4096) return Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1))
  const out: Uint8Array[] = []
  if (mode === 1) {
    // a few cuts anywhere
    const cuts = Array.from({ length: rng.int(1, 4) }, () => rng.int(0, b.length)).sort((x, y) => x - y)
    let from = 0
    for (const c of [...cuts, b.length]) {
      out.push(b.subarray(from, c))
      from = c
    }
    return out
  }
  // at most ~20k pieces, however long the input
  const floor = Math.ceil(b.length / 20_000)
  const max = Math.max(floor, mode === 2 ? rng.int(1, 8) : mode === 3 ? rng.pick([17, 128, 1448, 4096]) : rng.int(1, 300))
  for (let i = 0; i < b.length; ) {
    const n = rng.int(floor, max)
    out.push(b.subarray(i, i + n))
    i += n
  }
  return out
}
