import { performance } from 'node:perf_hooks'
import type { ClientSessionEvent } from '../../src/session/client-events'
import { ClientSession, type ClientSessionAction, type PlayParams } from '../../src/session/client-session'
import { DuplexTransport } from '../../src/transport/duplex-transport'
import type { RtmpServer } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'

/** An event the player saw, with when (performance.now()). */
export interface Seen {
  readonly at: number
  readonly event: ClientSessionEvent
}

type Test = (e: ClientSessionEvent) => boolean

/**
 * A player made of our own ClientSession over an in-memory Duplex, keeping every event it sees (user control
 * events and onPlayStatus included, which RtmpClient does not surface), and able to pause and seek.
 */
export class RawPlayer {
  readonly seen: Seen[] = []
  streamId = 0
  private readonly session = new ClientSession()
  private transport: DuplexTransport | undefined
  private waiters: Array<{ test: Test; resolve: (e: ClientSessionEvent) => void }> = []

  static async connect(server: RtmpServer, app = 'vod'): Promise<RawPlayer> {
    const [a, b] = duplexPair()
    server.handle(b)
    const p = new RawPlayer()
    p.transport = new DuplexTransport(a, 'client', {
      onReady: (rest) => {
        p.run(p.session.connect({ app, tcUrl: `rtmp://test/${app}` }))
        if (rest.length > 0) p.run(p.session.receive(rest))
      },
      onBytes: (bytes) => p.run(p.session.receive(bytes)),
      onClose: () => undefined,
    })
    await p.waitFor((e) => e.type === 'connected')
    return p
  }

  /** createStream + play; resolves on Play.Start (or an error status). */
  async play(name: string, params: PlayParams = {}): Promise<void> {
    const r = this.session.createStream()
    this.run(r.actions)
    const created = await this.waitFor((e) => e.type === 'streamCreated' && e.transactionId === r.transactionId)
    if (created.type === 'streamCreated') this.streamId = created.streamId
    this.run(this.session.play(this.streamId, name, params, 1000))
    await this.waitFor((e) => e.type === 'status' && (e.status.code === 'NetStream.Play.Start' || e.status.level === 'error'))
  }

  pause(paused: boolean, position = 0): void {
    this.run(this.session.pause(this.streamId, paused, position))
  }

  seek(position: number): void {
    this.run(this.session.notify('seek', [position], this.streamId))
  }

  /** The first event matching `test` from index `since` of `seen` on, now or when it comes. */
  waitFor(test: Test, since = 0, timeoutMs = 5000): Promise<ClientSessionEvent> {
    const old = this.seen.slice(since).find((s) => test(s.event))
    if (old) return Promise.resolve(old.event)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw ${this.describe().slice(-12).join(', ')}`)), timeoutMs)
      this.waiters.push({
        test,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        },
      })
    })
  }

  /** Index in `seen` of the first event matching `test` (-1 if none). */
  indexOf(test: Test, since = 0): number {
    const i = this.seen.slice(since).findIndex((s) => test(s.event))
    return i < 0 ? -1 : i + since
  }

  /** Short names of what was seen: user control kinds, status codes, `data <name>`, `video <ts>`, `audio <ts>`. */
  describe(since = 0): string[] {
    return this.seen.slice(since).map(({ event: e }) => {
      if (e.type === 'status') return e.status.code
      if (e.type === 'data') return `data ${String(e.values[0])}`
      if (e.type === 'audio' || e.type === 'video') return `${e.type} ${e.timestamp}`
      return e.type
    })
  }

  /** Audio and video messages seen (from index `since`). */
  media(since = 0): Array<{ type: 'audio' | 'video'; timestamp: number; data: Uint8Array; at: number }> {
    return this.seen.slice(since).flatMap((s) => (s.event.type === 'audio' || s.event.type === 'video' ? [{ type: s.event.type, timestamp: s.event.timestamp, data: s.event.data, at: s.at }] : []))
  }

  close(): void {
    this.transport?.end()
  }

  private run(actions: readonly ClientSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.transport?.write(a.data)
      else if (a.type === 'event') this.record(a.event)
    }
  }

  private record(event: ClientSessionEvent): void {
    this.seen.push({ at: performance.now(), event })
    const ready = this.waiters.filter((w) => w.test(event))
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve(event)
  }
}

export const isStatus =
  (code: string): Test =>
  (e) =>
    e.type === 'status' && e.status.code === code
