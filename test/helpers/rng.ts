/** Seeded PRNG (mulberry32) for property tests. The seed comes from RTMP_TEST_SEED or the clock and is printed on failure. */
export interface Rng {
  readonly seed: number
  /** float in [0, 1) */
  next(): number
  /** integer in [min, max] */
  int(min: number, max: number): number
  bool(): boolean
  pick<T>(items: readonly T[]): T
  bytes(n: number): Uint8Array
}

export function createRng(seed: number = defaultSeed()): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    seed,
    next,
    int,
    bool: () => next() < 0.5,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    bytes: (n: number) => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) out[i] = int(0, 255)
      return out
    },
  }
}

export function defaultSeed(): number {
  const env = process.env.RTMP_TEST_SEED
  return env ? Number(env) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0
}

/** Runs `fn` `runs` times with one rng; on failure rethrows with the seed in the message so it can be replayed. */
export function property(runs: number, fn: (rng: Rng, run: number) => void, seed: number = defaultSeed()): void {
  const rng = createRng(seed)
  for (let i = 0; i < runs; i++) {
    try {
      fn(rng, i)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      throw new Error(`property failed at run ${i} (replay with RTMP_TEST_SEED=${seed}): ${message}`, { cause: err })
    }
  }
}
