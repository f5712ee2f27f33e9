/**
 * What a peer may make the chunk reader hold. A peer's declared sizes are never trusted beyond these.
 * All values are byte counts except `maxChunkStreams`.
 */
export interface ChunkLimits {
  /** Largest chunk size a peer's Set Chunk Size may announce (the wire allows up to 0x7FFFFFFF). */
  maxChunkSize: number
  /** Largest message length a header may declare. The 24-bit field caps it at 0xFFFFFF anyway. */
  maxMessageLength: number
  /** How many distinct chunk stream ids a peer may use over the life of a reader. */
  maxChunkStreams: number
  /** Total bytes reserved for messages still being assembled, across all chunk streams. */
  maxBufferedBytes: number
}

const MiB = 1024 * 1024

/** Generous for media, bounded for memory: a peer can pin at most 64 MiB of partial messages. */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = Object.freeze({
  maxChunkSize: 16 * MiB,
  maxMessageLength: 16 * MiB,
  maxChunkStreams: 64,
  maxBufferedBytes: 64 * MiB,
})

/**
 * Fills in defaults and checks each value.
 * @throws RangeError when a value is not an integer in its range (a caller bug, not a peer's).
 */
export function normalizeChunkLimits(p: Partial<ChunkLimits> = {}): ChunkLimits {
  const limits: ChunkLimits = {
    maxChunkSize: p.maxChunkSize ?? DEFAULT_CHUNK_LIMITS.maxChunkSize,
    maxMessageLength: p.maxMessageLength ?? DEFAULT_CHUNK_LIMITS.maxMessageLength,
    maxChunkStreams: p.maxChunkStreams ?? DEFAULT_CHUNK_LIMITS.maxChunkStreams,
    maxBufferedBytes: p.maxBufferedBytes ?? DEFAULT_CHUNK_LIMITS.maxBufferedBytes,
  }
  check('maxChunkSize', limits.maxChunkSize, 1, 0x7fffffff)
  check('maxMessageLength', limits.maxMessageLength, 0, Number.MAX_SAFE_INTEGER)
  check('maxChunkStreams', limits.maxChunkStreams, 1, 65598)
  check('maxBufferedBytes', limits.maxBufferedBytes, 0, Number.MAX_SAFE_INTEGER)
  return limits
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`)
  }
}
