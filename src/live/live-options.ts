import type { LiveClock } from './live-clock'

/**
 * Where a new subscriber of a live stream starts:
 * - `'gop'`: metadata, sequence headers and the cached GOP (from the last keyframe), so a player can decode at
 *   once; it then runs up to one GOP behind the publisher.
 * - `'live'`: metadata and sequence headers, then nothing until the next keyframe: at the live edge, but the
 *   first picture can take up to one GOP.
 */
export type LiveStart = 'gop' | 'live'

export interface SubscribeOptions {
  /** default: the router's `start` option ('gop') */
  start?: LiveStart
}

export interface GopCacheLimits {
  /** cache the frames since the last keyframe for late joiners (default true) */
  enabled: boolean
  /** most bytes kept from the last keyframe on (default 16 MiB) */
  maxBytes: number
  /** most media time kept from the last keyframe on (default 10_000 ms) */
  maxDurationMs: number
}

/**
 * How far a subscriber may fall behind (see `PlayerGate`): over `dropBufferedBytes` unsent bytes it loses
 * non-keyframe video up to the next keyframe; it is disconnected with RTMP_ERR_SLOW_CONSUMER past
 * `maxBufferedBytes`, or once it has been over `dropBufferedBytes` for longer than `maxLagMs`.
 */
export interface PlayerLimits {
  /** a sink holding more unsent bytes than this is dropped with RTMP_ERR_SLOW_CONSUMER (default 16 MiB) */
  maxBufferedBytes: number
  /** unsent bytes past which non-keyframe video is dropped up to the next keyframe (default 2 MiB; Infinity: never) */
  dropBufferedBytes: number
  /** ms a sink may stay over `dropBufferedBytes` before it is dropped with RTMP_ERR_SLOW_CONSUMER (default 10_000; Infinity: never) */
  maxLagMs: number
}

/**
 * Which subscribers get every track of an Enhanced RTMP multitrack stream:
 * - `'negotiated'`: sinks that say they take multitrack (`LiveSink.multitrack`: RTMP players that announced
 *   the capsEx Multitrack bit in connect, recorders, relays); the others get the default track (trackId 0).
 * - `'all'`: every sink gets messages as published.
 */
export type MultitrackRouting = 'negotiated' | 'all'

/** What every LiveStream of a router shares. */
export interface LiveStreamConfig {
  /** default 'negotiated' */
  readonly multitrack?: MultitrackRouting
  readonly gop: GopCacheLimits
  readonly players: PlayerLimits
  readonly clock: LiveClock
  /** ms a stream whose publisher left waits for it to come back before subscribers are told (0 = tell them at once) */
  readonly reconnectGraceMs: number
  /** window over which bitrates are averaged */
  readonly statsWindowMs: number
  /** ms lanes hold media to write it in one piece (0: at once) */
  readonly writeBatchMs: number
}

export const DEFAULT_GOP_CACHE: Readonly<GopCacheLimits> = { enabled: true, maxBytes: 16 * 1024 * 1024, maxDurationMs: 10_000 }
export const DEFAULT_PLAYER_LIMITS: Readonly<PlayerLimits> = { maxBufferedBytes: 16 * 1024 * 1024, dropBufferedBytes: 2 * 1024 * 1024, maxLagMs: 10_000 }
export const DEFAULT_STATS_WINDOW_MS = 5_000

/** The most a grace period may be: setTimeout fires at once for anything longer than 2^31 - 1 ms. */
const MAX_TIMER_MS = 0x7fffffff

/** A number >= 0 (Infinity allowed when `infinite`), or the default: config files give NaN and -1 as often as code does. */
function bounded(value: number | undefined, fallback: number, infinite: boolean): number {
  if (value === undefined || Number.isNaN(value) || value < 0) return fallback
  return !infinite && value > MAX_TIMER_MS ? MAX_TIMER_MS : value
}

export function normalizeGopCache(o: Partial<GopCacheLimits> = {}): GopCacheLimits {
  return {
    enabled: o.enabled ?? DEFAULT_GOP_CACHE.enabled,
    maxBytes: bounded(o.maxBytes, DEFAULT_GOP_CACHE.maxBytes, true),
    maxDurationMs: bounded(o.maxDurationMs, DEFAULT_GOP_CACHE.maxDurationMs, true),
  }
}

export function normalizePlayerLimits(o: Partial<PlayerLimits> = {}): PlayerLimits {
  const d = DEFAULT_PLAYER_LIMITS
  return {
    maxBufferedBytes: bounded(o.maxBufferedBytes, d.maxBufferedBytes, true),
    dropBufferedBytes: bounded(o.dropBufferedBytes, d.dropBufferedBytes, true),
    maxLagMs: bounded(o.maxLagMs, d.maxLagMs, true), // compared with clock time, never a timer: Infinity is fine
  }
}

/** Grace periods and windows: ms >= 0, at most 2^31 - 1 (what a timer can wait). */
export function normalizeMs(value: number | undefined, fallback: number): number {
  return bounded(value, fallback, false)
}

/** The most media may be held for a batch: more than this is latency no live viewer accepts. */
export const MAX_WRITE_BATCH_MS = 100

/** A write batch time or 0. @throws RangeError when it is not a number in 0..100 */
export function checkBatchMs(ms: number | undefined): number {
  const v = ms ?? 0
  if (!(v >= 0 && v <= MAX_WRITE_BATCH_MS)) throw new RangeError(`writeBatchMs must be in 0..${MAX_WRITE_BATCH_MS}, got ${String(ms)}`)
  return v
}
