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

export interface PlayerLimits {
  /** a sink holding more unsent bytes than this is dropped with RTMP_ERR_SLOW_CONSUMER (default 16 MiB) */
  maxBufferedBytes: number
}

/** What every LiveStream of a router shares. */
export interface LiveStreamConfig {
  readonly gop: GopCacheLimits
  readonly players: PlayerLimits
  readonly clock: LiveClock
  /** ms a stream whose publisher left waits for it to come back before subscribers are told (0 = tell them at once) */
  readonly reconnectGraceMs: number
  /** window over which bitrates are averaged */
  readonly statsWindowMs: number
}

export const DEFAULT_GOP_CACHE: Readonly<GopCacheLimits> = { enabled: true, maxBytes: 16 * 1024 * 1024, maxDurationMs: 10_000 }
export const DEFAULT_PLAYER_LIMITS: Readonly<PlayerLimits> = { maxBufferedBytes: 16 * 1024 * 1024 }
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
  return { maxBufferedBytes: bounded(o.maxBufferedBytes, DEFAULT_PLAYER_LIMITS.maxBufferedBytes, true) }
}

/** Grace periods and windows: ms >= 0, at most 2^31 - 1 (what a timer can wait). */
export function normalizeMs(value: number | undefined, fallback: number): number {
  return bounded(value, fallback, false)
}
