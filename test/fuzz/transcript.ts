import type { AmfValue } from '../../src/amf/amf-value'

/** FNV-1a of the bytes plus their length: compact and stable, for transcripts. */
export function digest(b: Uint8Array): string {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  return `${b.length}#${(h >>> 0).toString(16)}`
}

/**
 * A short deterministic description of a value for a transcript: scalars as they are (strings cut), bytes as
 * a digest, objects and arrays by their first few members. Safe on cyclic values (decoded AMF may be cyclic).
 */
export function describe(v: unknown, depth = 0): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (typeof v === 'string') return JSON.stringify(v.length > 48 ? `${v.slice(0, 48)}…${v.length}` : v)
  if (typeof v !== 'object') return typeof v
  if (v instanceof Uint8Array) return `bytes(${digest(v)})`
  if (v instanceof Date) return `date(${v.getTime()})`
  if (depth >= 2) return Array.isArray(v) ? `[${v.length}]` : `{${Object.keys(v).length}}`
  if (Array.isArray(v)) return `[${(v as AmfValue[]).slice(0, 6).map((x) => describe(x, depth + 1)).join(',')}${v.length > 6 ? `,…${v.length}` : ''}]`
  const keys = Object.keys(v)
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null
  const name = proto && proto !== Object.prototype ? (proto.constructor?.name ?? '') : ''
  return `${name}{${keys.slice(0, 8).map((k) => `${k}:${describe((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}${keys.length > 8 ? `,…${keys.length}` : ''}}`
}
