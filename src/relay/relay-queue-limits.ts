/** How much a relay destination may queue before it drops frames, and before it starts over. */
export interface RelayQueueLimits {
  /** queued bytes past which non-keyframe video is dropped until the next keyframe (default 2 MiB) */
  maxBytes: number
  /** queued messages past which the same happens (default 512, about 7 s of 30 fps video with AAC) */
  maxMessages: number
  /** queued bytes past which the queue is emptied and the destination reconnected (default 8 MiB) */
  hardMaxBytes: number
  /** queued messages past which the same happens (default 2048) */
  hardMaxMessages: number
}

const MiB = 1024 * 1024

/** The hard byte limit stays below the live router's default `players.maxBufferedBytes` (16 MiB). */
export const DEFAULT_RELAY_QUEUE_LIMITS: RelayQueueLimits = Object.freeze({
  maxBytes: 2 * MiB,
  maxMessages: 512,
  hardMaxBytes: 8 * MiB,
  hardMaxMessages: 2048,
})

/**
 * Fills in defaults and checks each value; a hard limit left out is raised to at least its soft limit.
 * @throws RangeError when a value is not a positive integer or a hard limit is below its soft limit.
 */
export function normalizeRelayQueueLimits(p: Partial<RelayQueueLimits> = {}): RelayQueueLimits {
  const d = DEFAULT_RELAY_QUEUE_LIMITS
  const maxBytes = p.maxBytes ?? d.maxBytes
  const maxMessages = p.maxMessages ?? d.maxMessages
  const limits: RelayQueueLimits = {
    maxBytes,
    maxMessages,
    hardMaxBytes: p.hardMaxBytes ?? Math.max(d.hardMaxBytes, maxBytes),
    hardMaxMessages: p.hardMaxMessages ?? Math.max(d.hardMaxMessages, maxMessages),
  }
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`relay queue ${name} must be a positive integer, got ${value}`)
  }
  if (limits.hardMaxBytes < limits.maxBytes) throw new RangeError(`relay queue hardMaxBytes (${limits.hardMaxBytes}) is below maxBytes (${limits.maxBytes})`)
  if (limits.hardMaxMessages < limits.maxMessages) {
    throw new RangeError(`relay queue hardMaxMessages (${limits.hardMaxMessages}) is below maxMessages (${limits.maxMessages})`)
  }
  return limits
}
