/** Builds the error thrown when a read would run past the end (each layer reports its own kind). */
export type TruncatedErrorFactory = (needed: number, offset: number, length: number) => Error

const defaultTruncated: TruncatedErrorFactory = (needed, offset, length) =>
  new RangeError(`need ${needed} bytes at offset ${offset}, only ${length - offset} left`)

/**
 * Bounds-checked big-endian cursor over a Uint8Array. Never reads past `end`; a short read throws the
 * error built by `truncated`. `subarray` returns views, not copies.
 */
export class ByteReader {
  readonly bytes: Uint8Array
  offset: number
  readonly end: number
  private readonly view: DataView
  private readonly truncated: TruncatedErrorFactory

  constructor(bytes: Uint8Array, truncated: TruncatedErrorFactory = defaultTruncated, offset = 0, end = bytes.length) {
    this.bytes = bytes
    this.offset = offset
    this.end = end
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.truncated = truncated
  }

  get remaining(): number {
    return this.end - this.offset
  }

  /** Throws unless `n` more bytes are present. */
  need(n: number): void {
    if (n > this.end - this.offset) throw this.truncated(n, this.offset, this.end)
  }

  u8(): number {
    this.need(1)
    return this.bytes[this.offset++]!
  }

  peekU8(): number {
    this.need(1)
    return this.bytes[this.offset]!
  }

  u16be(): number {
    this.need(2)
    const v = this.view.getUint16(this.offset)
    this.offset += 2
    return v
  }

  s16be(): number {
    this.need(2)
    const v = this.view.getInt16(this.offset)
    this.offset += 2
    return v
  }

  u24be(): number {
    this.need(3)
    const b = this.bytes
    const o = this.offset
    this.offset = o + 3
    return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!
  }

  s24be(): number {
    const v = this.u24be()
    return v & 0x800000 ? v - 0x1000000 : v
  }

  u32be(): number {
    this.need(4)
    const v = this.view.getUint32(this.offset)
    this.offset += 4
    return v
  }

  s32be(): number {
    this.need(4)
    const v = this.view.getInt32(this.offset)
    this.offset += 4
    return v
  }

  u32le(): number {
    this.need(4)
    const v = this.view.getUint32(this.offset, true)
    this.offset += 4
    return v
  }

  f64be(): number {
    this.need(8)
    const v = this.view.getFloat64(this.offset)
    this.offset += 8
    return v
  }

  /** A view of the next `n` bytes (no copy). */
  subarray(n: number): Uint8Array {
    this.need(n)
    const v = this.bytes.subarray(this.offset, this.offset + n)
    this.offset += n
    return v
  }

  skip(n: number): void {
    this.need(n)
    this.offset += n
  }

  /** A view of everything left. */
  rest(): Uint8Array {
    const v = this.bytes.subarray(this.offset, this.end)
    this.offset = this.end
    return v
  }
}
