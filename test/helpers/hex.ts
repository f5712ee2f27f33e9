import { Buffer } from 'node:buffer'

/** hex`02 00 00 00 // comment` → bytes. Whitespace, newlines and `//` comments are ignored. */
export function hex(strings: TemplateStringsArray | string, ...values: unknown[]): Uint8Array {
  const raw = typeof strings === 'string' ? strings : String.raw({ raw: strings }, ...values)
  const clean = raw
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex: ${clean}`)
  return new Uint8Array(Buffer.from(clean, 'hex'))
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').replace(/(..)(?!$)/g, '$1 ')
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))))
}
