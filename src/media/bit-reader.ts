import { FlvError, type FlvErrorReason } from './flv-error'

/**
 * @internal MSB-first bit reader with Exp-Golomb codes (H.264 7.2 / 9.1), used for SPS and
 * AudioSpecificConfig. Reading past the end throws FlvError with the reason given at construction.
 */
export class BitReader {
  private pos = 0 // in bits

  constructor(
    private readonly bytes: Uint8Array,
    private readonly reason: FlvErrorReason,
    private readonly what: string,
  ) {}

  get bitsLeft(): number {
    return this.bytes.length * 8 - this.pos
  }

  bit(): number {
    if (this.pos >= this.bytes.length * 8) throw this.fail('ran out of bits')
    const v = (this.bytes[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1
    this.pos++
    return v
  }

  /** `n` ≤ 32 bits as an unsigned number. */
  bits(n: number): number {
    if (n > this.bitsLeft) throw this.fail(`need ${n} bits, ${this.bitsLeft} left`)
    let v = 0
    for (let i = 0; i < n; i++) v = v * 2 + this.bit()
    return v
  }

  skip(n: number): void {
    if (n > this.bitsLeft) throw this.fail(`need ${n} bits, ${this.bitsLeft} left`)
    this.pos += n
  }

  /** ue(v): unsigned Exp-Golomb. More than 31 leading zeros cannot be a valid syntax element. */
  ue(): number {
    let zeros = 0
    while (this.bit() === 0) {
      if (++zeros > 31) throw this.fail('Exp-Golomb code longer than 32 bits')
    }
    return 2 ** zeros - 1 + this.bits(zeros)
  }

  /** se(v): signed Exp-Golomb (1 → 1, 2 → -1, 3 → 2, …). */
  se(): number {
    const k = this.ue()
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2)
  }

  fail(detail: string): FlvError {
    return new FlvError(this.reason, `${this.what}: ${detail} (bit ${this.pos})`, this.pos >> 3)
  }
}
