import { AmfError } from '../errors'
import type { TruncatedErrorFactory } from '../bytes/byte-reader'

/**
 * Bounds every AMF decoder applies to untrusted input (msgpack `maxStrLength` style). The encoders use
 * `maxDepth` too, so that we never send what our own decoder would refuse.
 */
export interface AmfLimits {
  /** Deepest nesting of containers (object, array, vector, dictionary, …); the AMF0 → AMF3 switch counts as one level. */
  maxDepth: number
  /** Largest size of each reference table (AMF0 objects; AMF3 strings, objects and traits). */
  maxReferences: number
  /** Longest string, XML text or ByteArray, in bytes. */
  maxStringLength: number
  /** Most entries in one container (array elements, object members, vector items, dictionary entries). */
  maxItems: number
}

/** Limits that real traffic never reaches but that keep a hostile peer from exhausting memory or stack. */
export const DEFAULT_AMF_LIMITS: Readonly<AmfLimits> = Object.freeze({
  maxDepth: 64,
  maxReferences: 65_536,
  maxStringLength: 16 * 1024 * 1024,
  maxItems: 1_000_000,
})

/**
 * Fills missing limits with {@link DEFAULT_AMF_LIMITS}. `Infinity` disables a limit.
 * @throws RangeError when a given limit is not a non-negative number (a programming error, not a wire failure).
 */
export function normalizeAmfLimits(partial?: Partial<AmfLimits>): AmfLimits {
  return {
    maxDepth: pick(partial?.maxDepth, DEFAULT_AMF_LIMITS.maxDepth, 'maxDepth'),
    maxReferences: pick(partial?.maxReferences, DEFAULT_AMF_LIMITS.maxReferences, 'maxReferences'),
    maxStringLength: pick(partial?.maxStringLength, DEFAULT_AMF_LIMITS.maxStringLength, 'maxStringLength'),
    maxItems: pick(partial?.maxItems, DEFAULT_AMF_LIMITS.maxItems, 'maxItems'),
  }
}

function pick(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`AmfLimits.${name} must be a number >= 0, got ${String(value)}`)
  return Math.floor(value)
}

/** @internal ByteReader factory: a fixed-size read ran past the end of the AMF payload. */
export const amfTruncated: TruncatedErrorFactory = (needed, offset, end) =>
  new AmfError('RTMP_ERR_AMF_TRUNCATED', `AMF value cut short: need ${needed} bytes at offset ${offset}, ${end - offset} left`, offset)

/** @internal A declared length or count is over `limit` or larger than what `remaining` bytes can hold. */
export function checkDeclared(count: number, bytesEach: number, remaining: number, limit: number, what: string, offset: number): void {
  if (count > limit) {
    throw new AmfError('RTMP_ERR_AMF_LENGTH', `${what} ${count} is over the limit of ${limit}`, offset)
  }
  if (count * bytesEach > remaining) {
    throw new AmfError('RTMP_ERR_AMF_LENGTH', `${what} ${count} needs at least ${count * bytesEach} bytes, only ${remaining} left`, offset)
  }
}

/**
 * @internal Turns what can still escape a recursive codec into an AmfError: a stack overflow (only possible
 * when `maxDepth` was raised a lot) and V8's "string too long".
 */
export function asAmfError(err: unknown, offset: number): unknown {
  if (err instanceof AmfError) return err
  if (err instanceof RangeError && err.message.includes('call stack')) {
    return new AmfError('RTMP_ERR_AMF_DEPTH', 'AMF value nested too deeply for the call stack', offset, { cause: err })
  }
  if (err instanceof Error && (err as { code?: unknown }).code === 'ERR_STRING_TOO_LONG') {
    return new AmfError('RTMP_ERR_AMF_LENGTH', 'AMF string longer than the runtime allows', offset, { cause: err })
  }
  return err
}

/**
 * @internal For encoders: besides what {@link asAmfError} converts, any other error (a malformed wrapper such as
 * an AmfTypedObject without members, a throwing getter) means the value cannot be encoded.
 */
export function asEncodeError(err: unknown, offset: number): unknown {
  const converted = asAmfError(err, offset)
  if (converted instanceof AmfError) return converted
  return new AmfError('RTMP_ERR_AMF_UNENCODABLE', `cannot encode the value: ${String(err)}`, offset, { cause: err })
}

/** @internal Sets an own member, also for keys like `__proto__` that plain assignment would treat specially. */
export function setMember(target: object, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    ;(target as Record<string, unknown>)[key] = value
  }
}

/** @internal An object created by `{}` or `Object.create(null)`, not a class instance. */
export function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/**
 * Most bytes one encode may produce: the largest RTMP message (0xFFFFFF). Past it the encoders stop with
 * RTMP_ERR_AMF_UNENCODABLE instead of growing (decoded AMF3 references re-encoded as copies can multiply).
 */
export const MAX_ENCODED_BYTES = 0xffffff

/** @internal Throws unless `more` bytes still fit under MAX_ENCODED_BYTES after `size`. */
export function checkOutputRoom(size: number, more: number): void {
  if (size + more > MAX_ENCODED_BYTES) {
    throw new AmfError('RTMP_ERR_AMF_UNENCODABLE', `encoded value would exceed ${MAX_ENCODED_BYTES} bytes, the largest RTMP message`, size)
  }
}
