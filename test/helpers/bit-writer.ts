/** MSB-first bit writer with Exp-Golomb codes and emulation prevention, to build SPS / sequence headers in tests. */
export class BitWriter {
  private readonly bits: number[] = []

  /** `v` in `n` bits (n ≤ 53). */
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2)
    return this
  }

  ue(v: number): this {
    const x = v + 1
    const len = Math.floor(Math.log2(x))
    return this.u(len, 0).u(len + 1, x)
  }

  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v)
  }

  get length(): number {
    return this.bits.length
  }

  /** Pads to a byte: with rbsp_trailing_bits (a 1 then zeros) when `trailing`, else zeros. */
  bytes(trailing = false): Uint8Array {
    const bits = this.bits.slice()
    if (trailing) bits.push(1)
    while (bits.length % 8 !== 0) bits.push(0)
    const out = new Uint8Array(bits.length / 8)
    for (let i = 0; i < bits.length; i++) out[i >> 3]! |= bits[i]! << (7 - (i & 7))
    return out
  }
}

/** RBSP → NAL payload: a 0x03 after two zero bytes whenever the next byte is 0..3 (H.264 / H.265 7.4.2). */
export function escapeRbsp(rbsp: Uint8Array): Uint8Array {
  const out: number[] = []
  let zeros = 0
  for (const v of rbsp) {
    if (zeros >= 2 && v <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(v)
    zeros = v === 0 ? zeros + 1 : 0
  }
  return Uint8Array.from(out)
}
