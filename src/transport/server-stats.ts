import type { RtmpError } from '../errors'
import type { RejectStatus } from '../session/server-session'
import type { PlayStream } from './play-stream'

/**
 * The stages a peer goes through, in order; each counts attempts, successes and failures (see docs/live-hub.md):
 * - handshake: every connection served; success when the handshake finished, failure when it closed before.
 * - connect: every `connect` command; success when accepted; failure when rejected (by the app or a default),
 *   not answered within `requestTimeout`, or the peer left before the answer.
 * - authorization: the answers given to connect/publish/play requests (by the app, or the built-in defaults:
 *   connect accepted when nobody listens, the live router's Publish.BadName); failure = rejected. Timeouts and
 *   peers that left are not answers and are not counted here.
 * - streamCreation: every accepted connection; success at its first stream (createStream), failure when it
 *   closes without one.
 * - publish / play: every publish / play request that reached the application; as for connect.
 * - delivery: every accepted player; failure when it was dropped for being slow (RTMP_ERR_SLOW_CONSUMER),
 *   success when it ended any other way.
 */
export type ServerStage = 'handshake' | 'connect' | 'authorization' | 'streamCreation' | 'publish' | 'play' | 'delivery'

export const SERVER_STAGES: readonly ServerStage[] = ['handshake', 'connect', 'authorization', 'streamCreation', 'publish', 'play', 'delivery']

export interface StageStats {
  readonly attempts: number
  readonly successes: number
  readonly failures: number
  /** attempts not settled yet (a request waiting for its answer, a player still playing, …) */
  readonly pending: number
  /** successes / (successes + failures); null while nothing has settled */
  readonly successRate: number | null
}

/** What `RtmpServer.stats()` returns: plain JSON. */
export interface RtmpServerStats {
  readonly connections: { readonly now: number; readonly total: number }
  readonly stages: Readonly<Record<ServerStage, StageStats>>
  /**
   * Product of the stages' success rates (stages with nothing settled count as 1). Authorization is left out:
   * its rejections are already connect/publish/play failures and would count twice.
   */
  readonly overallSuccessRate: number
  /** requests nobody answered within `requestTimeout` (also counted as connect/publish/play failures) */
  readonly requestTimeouts: number
}

type RequestKind = 'connect' | 'publish' | 'play'
type Outcome = 'attempts' | 'successes' | 'failures'

interface Counter {
  attempts: number
  successes: number
  failures: number
}

/** Counts for one server; connections report through the `ConnectionStats` it hands out. */
export class ServerStatsRecorder {
  private readonly counters = Object.fromEntries(SERVER_STAGES.map((s) => [s, { attempts: 0, successes: 0, failures: 0 }])) as Record<ServerStage, Counter>
  private total = 0
  private timeouts = 0

  constructor(private readonly requestTimeoutMs: number) {}

  /** A connection is served: a handshake attempt. */
  opened(): void {
    this.total++
    this.count('handshake', 'attempts')
  }

  handshakeDone(): void {
    this.count('handshake', 'successes')
  }

  handshakeFailed(): void {
    this.count('handshake', 'failures')
  }

  /** The tracker one connection reports to. */
  connection(): ConnectionStats {
    return new ConnectionStats(this)
  }

  snapshot(connectionsNow: number): RtmpServerStats {
    const stages = {} as Record<ServerStage, StageStats>
    let overall = 1
    for (const stage of SERVER_STAGES) {
      const c = this.counters[stage]
      const settled = c.successes + c.failures
      const successRate = settled > 0 ? c.successes / settled : null
      stages[stage] = { ...c, pending: Math.max(0, c.attempts - settled), successRate }
      if (stage !== 'authorization' && successRate !== null) overall *= successRate
    }
    return { connections: { now: connectionsNow, total: this.total }, stages, overallSuccessRate: overall, requestTimeouts: this.timeouts }
  }

  /** @internal */
  count(stage: ServerStage, outcome: Outcome): void {
    this.counters[stage][outcome]++
  }

  /** @internal a rejection made by the request's own timer, told apart by the status it sends (requests.ts) */
  settleRejection(kind: RequestKind, status: RejectStatus | undefined): void {
    const timedOut = status?.code === undefined && status?.description === `${kind} request not answered within ${this.requestTimeoutMs} ms`
    if (timedOut) {
      this.timeouts++
      return
    }
    this.count('authorization', 'attempts')
    this.count('authorization', 'failures')
  }
}

/** One connection's part: which requests wait for an answer, whether it created a stream. */
export class ConnectionStats {
  private readonly pending = new Map<number, RequestKind>()
  /** connect accepted, no stream yet */
  private awaitingStream = false
  /** why the connection ended: players are closed without it (playFinished comes first) */
  private closeError: RtmpError | undefined

  constructor(private readonly server: ServerStatsRecorder) {}

  /** A connect/publish/play request reached the application (call before it can be answered). */
  requested(kind: RequestKind, requestId: number): void {
    this.pending.set(requestId, kind)
    this.server.count(kind, 'attempts')
  }

  /** The request was accepted or rejected (call before the session acts on it). Unknown ids are ignored. */
  answered(requestId: number, accepted: boolean, status?: RejectStatus): void {
    const kind = this.pending.get(requestId)
    if (kind === undefined) return
    this.pending.delete(requestId)
    this.server.count(kind, accepted ? 'successes' : 'failures')
    if (!accepted) return this.server.settleRejection(kind, status)
    this.server.count('authorization', 'attempts')
    this.server.count('authorization', 'successes')
    if (kind === 'connect') {
      this.awaitingStream = true
      this.server.count('streamCreation', 'attempts')
    }
  }

  streamCreated(): void {
    if (!this.awaitingStream) return
    this.awaitingStream = false
    this.server.count('streamCreation', 'successes')
  }

  /** An accepted player: delivery fails if it is dropped for being slow. */
  playing(player: PlayStream): void {
    this.server.count('delivery', 'attempts')
    player.once('close', (error) => {
      const slow = (error ?? this.closeError)?.code === 'RTMP_ERR_SLOW_CONSUMER'
      this.server.count('delivery', slow ? 'failures' : 'successes')
    })
  }

  /** The connection is gone (call before its players are closed): what still waited for an answer or a stream failed. */
  closed(error: RtmpError | undefined): void {
    this.closeError = error
    for (const kind of this.pending.values()) this.server.count(kind, 'failures')
    this.pending.clear()
    if (this.awaitingStream) this.server.count('streamCreation', 'failures')
    this.awaitingStream = false
  }
}
