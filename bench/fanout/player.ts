// One load-generator player: a real RTMP client on its own TCP connection (client-connection.ts), so every
// player parses chunks and acknowledges as a real one does. It counts the media bytes it received and the
// time from sending play to the first video keyframe.
import { performance } from 'node:perf_hooks'
import { isKeyframe, type ClientSessionEvent } from 'rtmp-kit'
import { ClientConnection } from './client-connection'
import type { PlayTarget } from './ipc'

export type PlayerState = 'idle' | 'connecting' | 'playing' | 'closed' | 'failed'

export class Player {
  state: PlayerState = 'idle'
  /** audio + video payload bytes received (what the publisher sent, whatever the chunking) */
  mediaBytes = 0
  /** ms from sending play to the first video keyframe (not a sequence header) */
  ttffMs: number | undefined
  error: string | undefined
  private readonly target: PlayTarget
  private readonly onSettled: (player: Player) => void
  private connection: ClientConnection | undefined
  private playAt = 0
  private settled = false

  /** `onSettled` is called once: when play started, or when the player failed or closed before that. */
  constructor(target: PlayTarget, onSettled: (player: Player) => void) {
    this.target = target
    this.onSettled = onSettled
  }

  start(): void {
    this.state = 'connecting'
    this.connection = new ClientConnection(this.target, { event: (e) => this.handle(e), ended: (reason) => this.ended(reason) }, 'LNX 9,0,124,2')
  }

  stop(): void {
    this.connection?.end('stopped')
  }

  private handle(e: ClientSessionEvent): void {
    const c = this.connection!
    switch (e.type) {
      case 'audio':
        this.mediaBytes += e.data.length
        return
      case 'video':
        this.mediaBytes += e.data.length
        if (this.ttffMs === undefined && isKeyframe(e.data)) this.ttffMs = performance.now() - this.playAt
        return
      case 'connected':
        c.run(c.session.createStream().actions)
        return
      case 'streamCreated':
        this.playAt = performance.now()
        c.run(c.session.play(e.streamId, this.target.stream))
        return
      case 'connectRejected':
        c.end(`connect rejected: ${e.status.code}`)
        return
      case 'status':
        if (e.status.code === 'NetStream.Play.Start' && this.state === 'connecting') {
          this.state = 'playing'
          this.settle()
        } else if (e.status.level === 'error') c.end(`status ${e.status.code}`)
        return
      default:
        return
    }
  }

  private ended(reason: string): void {
    if (this.state === 'connecting') {
      this.state = 'failed'
      this.error = reason === 'connection closed' ? 'closed before play started' : reason
    } else if (this.state === 'playing') {
      this.state = 'closed'
      if (reason !== 'stopped') this.error = `while playing: ${reason}`
    }
    this.settle()
  }

  private settle(): void {
    if (this.settled) return
    this.settled = true
    this.onSettled(this)
  }
}
