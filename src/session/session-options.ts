import type { AmfLimits } from '../amf/amf-limits'
import type { ChunkLimits } from '../chunk/chunk-limits'

/** Options shared by server and client sessions. Every field has a default; see `normalizeSessionOptions`. */
export interface SessionOptions {
  /** Outgoing chunk size announced with Set Chunk Size after connect (default 4096; 128 keeps the RTMP default). */
  chunkSize?: number
  /** Window Acknowledgement Size we announce: the peer acks every this many bytes (default 2_500_000). */
  windowAckSize?: number
  /** Set Peer Bandwidth we announce (server) (default 2_500_000, dynamic). */
  peerBandwidth?: number
  /** Most message streams one connection may create (default 16). */
  maxStreams?: number
  /** Bounds for the chunk reader. */
  chunkLimits?: Partial<ChunkLimits>
  /** Bounds for AMF decoding of commands and data messages. */
  amfLimits?: Partial<AmfLimits>
}

export interface NormalizedSessionOptions {
  readonly chunkSize: number
  readonly windowAckSize: number
  readonly peerBandwidth: number
  readonly maxStreams: number
  readonly chunkLimits: Partial<ChunkLimits>
  readonly amfLimits: Partial<AmfLimits>
}

export const DEFAULT_SESSION_OPTIONS = {
  chunkSize: 4096,
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  maxStreams: 16,
} as const

function positiveInt(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`)
  }
  return value
}

/** Fills defaults and validates ranges. @throws RangeError for an out-of-range option (a programming error). */
export function normalizeSessionOptions(options: SessionOptions = {}): NormalizedSessionOptions {
  return {
    chunkSize: positiveInt('chunkSize', options.chunkSize, DEFAULT_SESSION_OPTIONS.chunkSize, 0x7fffffff),
    windowAckSize: positiveInt('windowAckSize', options.windowAckSize, DEFAULT_SESSION_OPTIONS.windowAckSize, 0xffffffff),
    peerBandwidth: positiveInt('peerBandwidth', options.peerBandwidth, DEFAULT_SESSION_OPTIONS.peerBandwidth, 0xffffffff),
    maxStreams: positiveInt('maxStreams', options.maxStreams, DEFAULT_SESSION_OPTIONS.maxStreams, 65535),
    chunkLimits: options.chunkLimits ?? {},
    amfLimits: options.amfLimits ?? {},
  }
}
