import { Buffer } from 'node:buffer'

/** Largest scratch buffer `takeCopy` keeps for the next use. */
const SCRATCH_KEEP = 1024 * 1024

/**
 * Growable big-endian writer. `finish()` returns a view of the written bytes; the writer must not be
 * written to afterwards (create one per encoded value, or call `reset()` once the view is consumed).
 */
export class ByteWriter {
  private buf: Buffer
  private length = 0

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  get size(): number {
    return this.length
  }

  private ensure(n: number): void {
    const needed = this.length + n
    if (needed <= this.buf.length) return
    let size = Math.max(64, Math.ceil(this.buf.length * 1.5))
    while (size < needed) size = Math.ceil(size * 1.5)
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  u8(v: number): this {
    this.ensure(1)
    this.buf[this.length++] = v & 0xff
    return this
  }

  u16be(v: number): this {
    this.ensure(2)
    this.buf.writeUInt16BE(v & 0xffff, this.length)
    this.length += 2
    return this
  }

  s16be(v: number): this {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.length)
    this.length += 2
    return this
  }

  u24be(v: number): this {
    this.ensure(3)
    this.buf.writeUIntBE(v & 0xffffff, this.length, 3)
    this.length += 3
    return this
  }

  s24be(v: number): this {
    return this.u24be(v < 0 ? v + 0x1000000 : v)
  }

  u32be(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32BE(v >>> 0, this.length)
    this.length += 4
    return this
  }

  s32be(v: number): this {
    this.ensure(4)
    this.buf.writeInt32BE(v | 0, this.length)
    this.length += 4
    return this
  }

  u32le(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32LE(v >>> 0, this.length)
    this.length += 4
    return this
  }

  f64be(v: number): this {
    this.ensure(8)
    // One NaN on the wire: V8 may or may not keep a NaN's payload bits between reading and writing it.
    if (v !== v) {
      this.buf.writeUInt32BE(0x7ff80000, this.length)
      this.buf.writeUInt32BE(0, this.length + 4)
    } else {
      this.buf.writeDoubleBE(v, this.length)
    }
    this.length += 8
    return this
  }

  bytes(v: Uint8Array): this {
    this.ensure(v.length)
    this.buf.set(v, this.length)
    this.length += v.length
    return this
  }

  /** UTF-8 bytes of `s` with no length prefix. Returns the byte count written. */
  utf8(s: string): number {
    const n = Buffer.byteLength(s, 'utf8')
    this.ensure(n)
    this.buf.write(s, this.length, n, 'utf8')
    this.length += n
    return n
  }

  /** Overwrites a big-endian u32 at an earlier position (for lengths known only afterwards). */
  patchU32be(position: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, position)
  }

  /** A view of the written bytes. */
  finish(): Buffer {
    return this.buf.subarray(0, this.length)
  }

  reset(): void {
    this.length = 0
  }

  /**
   * An exact-size copy of the written bytes, and the writer reset for reuse: for a writer kept as scratch
   * space, so each result costs only its own size (small ones come from Node's pool).
   */
  takeCopy(): Buffer {
    const out = Buffer.allocUnsafe(this.length)
    this.buf.copy(out, 0, 0, this.length)
    this.length = 0
    if (this.buf.length > SCRATCH_KEEP) this.buf = Buffer.allocUnsafe(256) // don't hold on to a huge one
    return out
  }
}
