/** RTMP timestamps are unsigned 32-bit milliseconds that wrap after ~49.7 days: all arithmetic is modulo 2^32. */
export const TIMESTAMP_MODULO = 0x1_0000_0000

export function addTimestamp(a: number, b: number): number {
  return (a + b) >>> 0
}

/** `a - b` modulo 2^32, as an unsigned delta. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) >>> 0
}

/** Signed distance from `b` to `a` assuming they are less than 2^31 ms apart (handles wrap-around). */
export function timestampDiff(a: number, b: number): number {
  return (a - b) | 0
}
