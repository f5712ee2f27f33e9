/** Cancels what `schedule` set up; calling it twice, or after the callback ran, does nothing. */
export type CancelTimer = () => void

/**
 * Where relays get their timers (retry delays, linger, idle checks). Tests pass their own to control time;
 * the default uses the global setTimeout.
 */
export interface Scheduler {
  schedule(delayMs: number, callback: () => void): CancelTimer
}

export const timerScheduler: Scheduler = {
  schedule(delayMs, callback) {
    const t = setTimeout(callback, delayMs)
    return () => clearTimeout(t)
  },
}
