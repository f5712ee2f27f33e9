import { performance } from 'node:perf_hooks'

export interface Measurement {
  readonly name: string
  /** operations per second */
  readonly opsPerSec: number
  /** bytes per second, when `bytesPerOp` was given */
  readonly bytesPerSec: number
}

/**
 * Runs `fn` repeatedly for about `ms` milliseconds (after a short warm-up) and reports its rate.
 * `fn` returns how many operations it did (so a batch can count many).
 */
export function measure(name: string, fn: () => number, options: { ms?: number; bytesPerOp?: number } = {}): Measurement {
  const ms = options.ms ?? 1000
  const warmUntil = performance.now() + Math.min(200, ms / 4)
  while (performance.now() < warmUntil) fn()
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) gc()
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    ops += fn()
    now = performance.now()
  }
  const seconds = (now - start) / 1000
  const opsPerSec = ops / seconds
  return { name, opsPerSec, bytesPerSec: opsPerSec * (options.bytesPerOp ?? 0) }
}

/** Results go to a module variable so that V8 cannot drop the work. */
let sink: unknown

/** `fn` run `n` times a call, in the form `measure` takes: one call counts `n` operations. */
export function batch(fn: () => unknown, n = 100): () => number {
  return () => {
    for (let i = 0; i < n; i++) sink = fn()
    return n
  }
}

export function formatRate(m: Measurement): string {
  const ops = m.opsPerSec >= 1e6 ? `${(m.opsPerSec / 1e6).toFixed(2)} M ops/s` : `${(m.opsPerSec / 1e3).toFixed(1)} k ops/s`
  return m.bytesPerSec > 0 ? `${(m.bytesPerSec / 1e6).toFixed(0)} MB/s (${ops})` : ops
}

/** Prints `rows` as an aligned table. */
export function printTable(title: string, rows: ReadonlyArray<ReadonlyArray<string>>): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  console.log(`\n${title}`)
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}
