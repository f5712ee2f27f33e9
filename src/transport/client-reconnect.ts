import { setTimeout as sleep } from 'node:timers/promises'
import { RejectedError, type RtmpError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import type { ClientLink } from './client-link'
import type { ClientPlayStream, ClientPublishStream } from './client-streams'
import { withDeadline } from './deadline'
import { debug } from './debug'
import { PlaySwitch } from './play-switch'
import type { PublishRoute } from './publish-route'

/** Publish.BadName retries on the new connection: the old one's unpublish may reach the same server later. */
const REPUBLISH_RETRIES = 10
const REPUBLISH_RETRY_MS = 200

interface LinkOptions {
  timeout?: number
}

/** Where a client publish stream writes (link and message stream id), and how it moves on a reconnect. */
export interface PublishPlace<Options> {
  readonly stream: ClientPublishStream
  link: ClientLink<Options>
  streamId: number
  readonly route: PublishRoute
  /** set while a reconnect waits for the stream to leave the old connection */
  left?: (() => void) | undefined
}

/** The stream leaves its connection (FCUnpublish, deleteStream there); its writes are held from here on. */
export function leaveOld<Options>(place: PublishPlace<Options>): void {
  place.route.move()
  if (place.link.usable) place.link.unpublish(place.streamId, place.stream.streamName)
  place.left?.()
}

/** What a reconnection needs from its client. */
export interface ReconnectionHost<Options> {
  /** opens a connection like the old one, to where the request says, and adopts it */
  open(signal: AbortSignal): Promise<ClientLink<Options>>
  /** the new connection takes the client's calls from now on */
  adopt(next: ClientLink<Options>): void
  /** the publish streams writing to `link` */
  publishing(link: ClientLink<Options>): Array<PublishPlace<Options>>
  /** whether `place` is still where its stream publishes (the stream was not closed meanwhile) */
  holds(place: PublishPlace<Options>): boolean
  /** the stream of `place` could not be moved: it ends with `error` */
  failed(place: PublishPlace<Options>, error: RtmpError): void
}

/**
 * One followed Enhanced RTMP reconnect request, make-before-break: the new connection is opened while the old
 * one keeps working; each play stream is played again there and switches over at a clean point (PlaySwitch);
 * each publish stream publishes again there from its next keyframe on (PublishRoute). `run` resolves once the
 * old connection is no longer needed (the client then closes it).
 */
export class Reconnection<Options extends LinkOptions> {
  readonly abort = new AbortController()
  private readonly giveUps = new Set<() => void>()

  /**
   * @param sameServer the new connection goes to the server of the old one: a publish refused as taken
   *   (Publish.BadName) is retried a while, since the old connection's unpublish may reach it later
   */
  constructor(
    readonly from: ClientLink<Options>,
    private readonly host: ReconnectionHost<Options>,
    private readonly sameServer: boolean,
  ) {
    from.retiring = true
  }

  /** @returns the new connection, or undefined when cancelled. @throws why the new connection could not be opened */
  async run(): Promise<ClientLink<Options> | undefined> {
    const from = this.from
    const next = await this.host.open(this.abort.signal)
    if (this.abort.signal.aborted) {
      next.transport.end()
      return undefined
    }
    this.host.adopt(next)
    const players = [...from.players].map(([id, stream]) => this.movePlayer(id, stream, next))
    const publishers = this.host.publishing(from).map((place) => this.movePublisher(place, next))
    await Promise.all([...players, ...publishers])
    from.retiring = false
    return this.abort.signal.aborted ? undefined : next
  }

  /** The old connection went away: publish streams hold their writes, play streams switch at the next keyframe. */
  oldLost(): void {
    debug('client: the old connection closed before the reconnect finished')
    for (const giveUp of [...this.giveUps]) giveUp()
    for (const place of this.host.publishing(this.from)) {
      if (place.route.state !== 'moving') {
        place.route.move()
        place.left?.()
      }
    }
  }

  /** Abandons the reconnection (the client closes). */
  cancel(): void {
    this.abort.abort()
    this.from.retiring = false
    for (const p of this.from.players.values()) p.finish()
  }

  /**
   * Plays the stream again on the new connection. Both connections deliver until the switch point (see
   * PlaySwitch); the old one is given up after `timeout` ms, or when it closes.
   */
  private async movePlayer(oldId: number, stream: ClientPlayStream, next: ClientLink<Options>): Promise<void> {
    const from = this.from
    const { params, bufferLength } = stream.playArguments
    const timeout = next.origin.options.timeout ?? 10_000
    const sw = new PlaySwitch(stream.history)
    let streamId = -1
    let settle: () => void = () => {}
    const settled = new Promise<void>((resolve) => (settle = resolve))
    const giveUp = (): void => {
      if (sw.switched) return
      const out = sw.force()
      leave() // at once: from here the new connection alone feeds the stream, from a keyframe on
      deliver(out)
    }
    /** From here the stream is the new connection's only. */
    const leave = (): void => {
      this.giveUps.delete(giveUp)
      from.deleteStream(oldId)
      stream.moved(streamId, next.transport.flow)
      settle()
    }
    const deliver = (out: readonly MediaMessage[]): void => {
      for (const m of out) stream.push(m)
    }
    try {
      streamId = await next.createStream(this.abort.signal, timeout)
      if (stream.ended) return next.deleteStream(streamId)
      next.players.set(streamId, stream) // statuses (and the end of the client) reach it from both connections
      next.taps.set(streamId, (msg) => {
        const before = sw.switched
        const out = sw.fromNew(msg)
        if (!before && sw.switched) leave()
        deliver(out)
      })
      this.giveUps.add(giveUp)
      if (from.closed) giveUp()
      await withDeadline(next.play(streamId, stream.streamName, params, bufferLength), timeout, this.abort.signal, 'play')
      const timer = setTimeout(giveUp, timeout)
      timer.unref?.()
      await settled
      clearTimeout(timer)
      if (stream.ended) next.deleteStream(streamId)
    } catch (err) {
      this.giveUps.delete(giveUp)
      from.deleteStream(oldId)
      if (streamId >= 0) next.deleteStream(streamId)
      stream.finish(err as RtmpError)
    }
  }

  /** Publishes again on the new connection; the stream leaves the old one at its next boundary (keyframe). */
  private async movePublisher(place: PublishPlace<Options>, next: ClientLink<Options>): Promise<void> {
    const { stream } = place
    const timeout = next.origin.options.timeout ?? 10_000
    try {
      next.notify('releaseStream', [stream.streamName])
      next.notify('FCPublish', [stream.streamName])
      const streamId = await next.createStream(this.abort.signal, timeout)
      if (this.host.holds(place)) await this.reachBoundary(place, timeout)
      if (!this.host.holds(place)) return next.deleteStream(streamId)
      await this.publishAgain(next, streamId, stream, timeout)
      if (!this.host.holds(place)) return next.unpublish(streamId, stream.streamName)
      place.link = next
      place.streamId = streamId
      stream.moved(streamId)
      for (const m of place.route.published()) next.send(streamId, m)
    } catch (err) {
      if (!this.host.holds(place)) return
      place.left?.()
      if (place.route.state !== 'moving' && place.link.usable) place.link.unpublish(place.streamId, stream.streamName)
      this.host.failed(place, err as RtmpError)
    }
  }

  /** Resolves once the stream left the old connection: at a boundary write, or after `timeout` ms without one. */
  private reachBoundary(place: PublishPlace<Options>, timeout: number): Promise<void> {
    if (place.route.state === 'moving') return Promise.resolve() // the old connection is gone already
    place.route.prepare()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (place.route.state === 'atBoundary') leaveOld(place)
      }, timeout)
      timer.unref?.()
      place.left = () => {
        clearTimeout(timer)
        place.left = undefined
        resolve()
      }
    })
  }

  private async publishAgain(next: ClientLink<Options>, streamId: number, stream: ClientPublishStream, timeout: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await withDeadline(next.publish(streamId, stream.streamName, stream.mode), timeout, this.abort.signal, 'publish')
        return
      } catch (err) {
        const taken = err instanceof RejectedError && err.status.code === 'NetStream.Publish.BadName'
        if (!taken || !this.sameServer || attempt >= REPUBLISH_RETRIES || !next.usable) throw err
        await sleep(REPUBLISH_RETRY_MS)
      }
    }
  }
}
