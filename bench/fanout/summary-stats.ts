/** Nearest-rank percentile (q in 0..1) of `values`; NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export function sum(values: readonly number[]): number {
  let s = 0
  for (const v of values) s += v
  return s
}
