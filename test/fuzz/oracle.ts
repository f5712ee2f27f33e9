import { toHex } from '../helpers/hex'

/**
 * A property a decoder broke (not an error the decoder threw). Deliberately not an RtmpError, so that no
 * target can list it among the errors a hostile input may cause.
 */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure'
}

/** What a decoder may throw on hostile input: the typed error classes of its layer. */
export type ErrorClass = abstract new (...args: any[]) => Error

export function fail(message: string): never {
  throw new FuzzFailure(message)
}

export function isAllowed(err: unknown, allowed: readonly ErrorClass[]): boolean {
  return allowed.some((c) => err instanceof c)
}

/** `name code` of a thrown value, for comparing two runs and for failure signatures. */
export function errorKey(err: unknown): string {
  if (!(err instanceof Error)) return `non-error ${typeof err}`
  const code = (err as { code?: unknown }).code
  const reason = (err as { reason?: unknown }).reason
  return [err.name, typeof code === 'string' ? code : '', typeof reason === 'string' ? reason : ''].filter(Boolean).join(' ')
}

/** Wraps an error that should never escape `where` (a TypeError, a RangeError, ...) as a FuzzFailure. */
export function untyped(err: unknown, where: string): FuzzFailure {
  const detail = err instanceof Error ? `${err.name}: ${err.message}\n${topFrames(err)}` : String(err)
  return new FuzzFailure(`${where} threw an untyped error: ${detail}`, { cause: err })
}

/** Calls `fn`; any throw at all is a failure (for functions documented as total). */
export function total<T>(fn: () => T, where: string): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof FuzzFailure) throw err
    throw untyped(err, `${where} (documented never to throw)`)
  }
}

export function topFrames(err: Error, n = 3): string {
  return (err.stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, n)
    .map((l) => `  ${l.trim()}`)
    .join('\n')
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Short hex for failure messages (whole inputs go to the regression file). */
export function shortHex(b: Uint8Array, max = 48): string {
  return b.length <= max ? toHex(b) : `${toHex(b.subarray(0, max))} … (${b.length} bytes)`
}

/**
 * What an incremental decoder produced from one input fed in some split: a transcript of everything it
 * delivered (messages, tags, bytes to send, events), and the error it stopped with, if any.
 */
export interface Run {
  readonly transcript: string[]
  readonly failed: boolean
  readonly error: unknown
}

/**
 * The same input in two splits must give the same transcript and the same error (class and code). With
 * `lossyErrors`, a decoder that drops the output of the call that threw (a session returns its actions only
 * when `receive` returns) may show less before the error when fed in bigger pieces: `whole` must then be a
 * prefix of `split`.
 */
export function sameRun(whole: Run, split: Run, what: string, lossyErrors = false): void {
  let a = describeRun(whole)
  let b = describeRun(split)
  if (a === b) return
  if (lossyErrors && whole.failed && split.failed && errorKey(whole.error) === errorKey(split.error)) {
    const prefix = whole.transcript.length
    if (whole.transcript.every((line, i) => split.transcript[i] === line) && split.transcript.length >= prefix) return
  }
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  const from = Math.max(0, i - 120)
  fail(`${what} differs with the input split (at char ${i}):\n  whole: …${clip(a.slice(from))}\n  split: …${clip(b.slice(from))}`)
}

function describeRun(r: Run): string {
  return `${r.transcript.join('\n')}\n${r.failed ? `error ${errorKey(r.error)}` : 'ok'}`
}

function clip(s: string, n = 300): string {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`
}
