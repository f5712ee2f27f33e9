/**
 * Time for the live layer, injected so that grace periods, uptimes and bitrates can be tested without real
 * time. The live router touches timers only through this interface.
 */
export interface LiveClock {
  /** Milliseconds since the epoch (uptime and bitrates are differences of it). */
  now(): number
  /** Runs `fn` once after `ms`; the returned function cancels it (a no-op once it ran). */
  schedule(ms: number, fn: () => void): () => void
}

/** Date.now and setTimeout; timers are unref'd so a pending grace period never keeps the process alive. */
export const systemClock: LiveClock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const timer = setTimeout(fn, ms)
    timer.unref?.()
    return () => clearTimeout(timer)
  },
}
