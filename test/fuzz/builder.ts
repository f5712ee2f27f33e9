import type { Field, Sample } from './mutate'

/** Writes bytes by hand and remembers where the fields a mutator should attack are. */
export class Builder {
  private buf = new Uint8Array(256)
  private n = 0
  private readonly fields: Field[] = []

  get length(): number {
    return this.n
  }

  u8(v: number, kind?: Field['kind']): this {
    if (kind) this.fields.push({ offset: this.n, size: 1, kind })
    this.ensure(1)
    this.buf[this.n++] = v & 0xff
    return this
  }

  marker(v: number): this {
    return this.u8(v, 'marker')
  }

  u16(v: number, kind: Field['kind'] | undefined = 'length'): this {
    return this.be(v, 2, kind)
  }

  u24(v: number, kind: Field['kind'] | undefined = 'length'): this {
    return this.be(v, 3, kind)
  }

  u32(v: number, kind: Field['kind'] | undefined = 'length'): this {
    return this.be(v, 4, kind)
  }

  be(v: number, size: number, kind?: Field['kind']): this {
    if (kind) this.fields.push({ offset: this.n, size, kind })
    this.ensure(size)
    let x = v
    for (let i = size - 1; i >= 0; i--) {
      this.buf[this.n + i] = x % 256
      x = Math.floor(x / 256)
    }
    this.n += size
    return this
  }

  /** AMF3 variable-length 29-bit unsigned integer. */
  u29(v: number, kind: Field['kind'] | undefined = 'u29'): this {
    const start = this.n
    if (v < 0x80) this.u8(v)
    else if (v < 0x4000) this.u8((v >>> 7) | 0x80).u8(v & 0x7f)
    else if (v < 0x200000) this.u8((v >>> 14) | 0x80).u8(((v >>> 7) & 0x7f) | 0x80).u8(v & 0x7f)
    else this.u8(((v >>> 22) & 0x7f) | 0x80).u8(((v >>> 15) & 0x7f) | 0x80).u8(((v >>> 8) & 0x7f) | 0x80).u8(v & 0xff)
    if (kind) this.fields.push({ offset: start, size: this.n - start, kind })
    return this
  }

  /** Raw bytes; a whole header when `kind` is 'header'. */
  bytes(b: Uint8Array | readonly number[], kind?: Field['kind']): this {
    if (kind) this.fields.push({ offset: this.n, size: b.length, kind })
    this.ensure(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
    return this
  }

  ascii(s: string): this {
    return this.bytes(Array.from(s, (c) => c.charCodeAt(0) & 0xff))
  }

  repeat(times: number, fn: (b: this, i: number) => void): this {
    for (let i = 0; i < times; i++) fn(this, i)
    return this
  }

  sample(start?: number): Sample {
    const bytes = this.buf.slice(0, this.n)
    return start === undefined ? { bytes, fields: this.fields.slice() } : { bytes, fields: this.fields.slice(), start }
  }

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.n + k) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }
}
