/**
 * What a pure session asks its caller to do, in order. `send` pieces MUST be written in the order given,
 * with nothing else in between (chunk header compression depends on it).
 */
export type SessionAction<E> =
  | { readonly type: 'send'; readonly data: readonly Uint8Array[] }
  | { readonly type: 'event'; readonly event: E }
  /** Flush what was sent so far, then end the transport (e.g. after a rejected connect). */
  | { readonly type: 'close'; readonly reason: string }
