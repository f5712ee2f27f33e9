/** How a relay waits between attempts: exponential steps, capped, with random jitter so peers do not retry in step. */
export interface BackoffOptions {
  /** ms before the first retry (default 1000) */
  initialDelay: number
  /** ms no delay exceeds (default 30_000) */
  maxDelay: number
  /** growth of the step per attempt (default 2) */
  multiplier: number
  /** fraction of each step that is random, 0..1 (default 0.5: a delay is between half the step and the step) */
  jitter: number
  /** retries before giving up; `Infinity` never gives up (default) */
  maxAttempts: number
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelay: 1000,
  maxDelay: 30_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Infinity,
})

/**
 * Fills in defaults and checks each value.
 * @throws RangeError when a value is out of range (a caller bug, not a peer's).
 */
export function normalizeBackoff(p: Partial<BackoffOptions> = {}): BackoffOptions {
  const o: BackoffOptions = {
    initialDelay: p.initialDelay ?? DEFAULT_BACKOFF.initialDelay,
    maxDelay: p.maxDelay ?? Math.max(DEFAULT_BACKOFF.maxDelay, p.initialDelay ?? 0),
    multiplier: p.multiplier ?? DEFAULT_BACKOFF.multiplier,
    jitter: p.jitter ?? DEFAULT_BACKOFF.jitter,
    maxAttempts: p.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts,
  }
  check('initialDelay', o.initialDelay, 0, Number.MAX_SAFE_INTEGER)
  check('maxDelay', o.maxDelay, o.initialDelay, Number.MAX_SAFE_INTEGER)
  check('multiplier', o.multiplier, 1, 1000)
  check('jitter', o.jitter, 0, 1)
  if (o.maxAttempts !== Infinity) check('maxAttempts', o.maxAttempts, 0, Number.MAX_SAFE_INTEGER, true)
  return o
}

function check(name: string, value: number, min: number, max: number, integer = false): void {
  if (Number.isNaN(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`backoff ${name} must be ${integer ? 'an integer ' : ''}in ${min}..${max}, got ${value}`)
  }
}

/**
 * The delay before retry number `attempt` (0 = the first retry): the step `initialDelay × multiplier^attempt`,
 * capped at `maxDelay`, minus up to `jitter` of it. `random` is a number in [0, 1).
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: number): number {
  const step = Math.min(o.maxDelay, o.initialDelay * o.multiplier ** attempt)
  return Math.round(step * (1 - o.jitter * random))
}

/**
 * Counts attempts and hands out delays; no timers (the caller waits). `reset()` once a connection works, so
 * the next failure starts again from `initialDelay`.
 */
export class Backoff {
  private count = 0

  constructor(
    readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries handed out since the last reset. */
  get attempts(): number {
    return this.count
  }

  /** The delay before the next retry, or undefined when `maxAttempts` are used up. */
  next(): number | undefined {
    if (this.count >= this.options.maxAttempts) return undefined
    return backoffDelay(this.count++, this.options, this.random())
  }

  reset(): void {
    this.count = 0
  }
}
