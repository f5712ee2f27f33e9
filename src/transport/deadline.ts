import { ClosedError, TimeoutError } from '../errors'

/** Races `p` against a timeout (ms; 0 = none) and an AbortSignal: TimeoutError / ClosedError RTMP_ERR_ABORTED. */
export function withDeadline<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal?.aborted) return Promise.reject(new ClosedError('RTMP_ERR_ABORTED', `${what} aborted`, { cause: signal.reason }))
  return new Promise<T>((resolve, reject) => {
    const timer = ms > 0 ? setTimeout(() => finish(() => reject(new TimeoutError('RTMP_ERR_TIMEOUT', `${what} timed out after ${ms} ms`))), ms) : undefined
    const onAbort = (): void => finish(() => reject(new ClosedError('RTMP_ERR_ABORTED', `${what} aborted`, { cause: signal?.reason })))
    signal?.addEventListener('abort', onAbort, { once: true })
    function finish(f: () => void): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      f()
    }
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    )
  })
}
