import type { Duplex } from 'node:stream'
import { RtmpError } from '../errors'
import type { RtmpClientOptions } from '../transport/rtmp-client'
import type { BackoffOptions } from './backoff'
import type { Scheduler } from './scheduler'

/** Connect options a relay passes to each RtmpClient it opens (the relay sets `socket` and `signal` itself). */
export type RelayClientOptions = Omit<RtmpClientOptions, 'socket' | 'signal' | 'streamName'>

/** What push and pull relays have in common. */
export interface RelayCommonOptions {
  /** retry delays and how many retries before giving up (default 1 s doubling to 30 s, ±50 %, forever) */
  backoff?: Partial<BackoffOptions>
  /** options for every RtmpClient the relay opens; `timeout` also bounds play / publish (default 10 s) */
  client?: RelayClientOptions
  /** a fresh Duplex for each attempt instead of TCP/TLS (in-memory pairs, proxies) */
  socket?: () => Duplex
  /** timers for retries, linger and idle checks (default: setTimeout) */
  scheduler?: Scheduler
  /** randomness for the backoff jitter, in [0, 1) (default Math.random) */
  random?: () => number
}

/** Anything thrown on the way (connect, publish, play) as an RtmpError. */
export function asRtmpError(err: unknown): RtmpError {
  return err instanceof RtmpError ? err : new RtmpError('RTMP_ERR_PROTOCOL', `relay: ${String(err)}`, { cause: err })
}
