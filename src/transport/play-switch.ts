import { isOnMetaData } from '../live/script-data'
import { isKeyframe, isSequenceHeader, videoInfo } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import { timestampDiff } from '../session/timestamp'

/** Most bytes a moving play stream holds from the new connection while it waits for the switch point. */
export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024
/** Keyframe timestamps remembered to recognize the same GOP on the new connection. */
const KEYS_KEPT = 8

type Kind = 'audio' | 'video'

const later = (a: number, b: number | undefined): boolean => b === undefined || timestampDiff(a, b) > 0

/** What a play stream delivered lately: its newest audio and video timestamps, its last keyframes'. */
export class PlayHistory {
  readonly newest: { audio: number | undefined; video: number | undefined } = { audio: undefined, video: undefined }
  readonly keys: number[] = []
  hasVideo = false

  /** A message the stream delivered. */
  note(msg: MediaMessage): void {
    if (msg.type === 'data' || isSequenceHeader(msg.type, msg.data)) return
    if (msg.type === 'video') this.hasVideo ||= videoInfo(msg.data)?.command === undefined
    if (later(msg.timestamp, this.newest[msg.type])) this.newest[msg.type] = msg.timestamp
    if (msg.type === 'video' ? isKeyframe(msg.data) : !this.hasVideo) {
      this.keys.push(msg.timestamp)
      if (this.keys.length > KEYS_KEPT) this.keys.shift()
    }
  }
}

/**
 * Where a play stream that a reconnect plays again on a new connection switches over from the old one, so
 * that the player sees each frame once and only frames it can decode. Both connections deliver meanwhile;
 * the new one through `fromNew`, which holds its messages and says when to switch:
 *
 * - when the new connection replays a GOP the stream already has (the same server hands its GOP cache to the
 *   new subscription; recognized by the keyframe's timestamp): at once, going on right after the newest
 *   frame the old connection delivered;
 * - at a keyframe of the new connection newer than the stream's newest video (e.g. the publisher moved to
 *   the new server at that keyframe): the new connection's metadata and sequence headers, then that keyframe;
 * - once the old connection is given up (`force`): at the keyframe held, or the next one.
 *
 * After a switch the new connection's frames that the old one delivered already are dropped. A stream
 * without video switches the same way at audio frames. Pure bookkeeping: the client delivers what
 * `fromNew` and `force` return and, once `switched`, stops the old connection.
 */
export class PlaySwitch {
  private state: 'waiting' | 'armed' | 'switched' = 'waiting'
  private hasVideo: boolean
  private pending: MediaMessage[] = []
  private pendingBytes = 0
  /** after a switch: per kind, what the old connection delivered up to (dropped from the new one) */
  private cut: { audio: number | undefined; video: number | undefined } = { audio: undefined, video: undefined }
  private metadata: MediaMessage | undefined
  private videoHeader: MediaMessage | undefined
  private audioHeader: MediaMessage | undefined

  constructor(
    private readonly old: PlayHistory,
    private readonly maxPendingBytes = DEFAULT_MAX_PENDING_BYTES,
  ) {
    this.hasVideo = old.hasVideo
  }

  get switched(): boolean {
    return this.state === 'switched'
  }

  /** A message from the new connection: what to deliver now (maybe nothing). */
  fromNew(msg: MediaMessage): MediaMessage[] {
    if (this.state === 'switched') return this.afterCut(msg) ? [msg] : []
    if (msg.type === 'video' && videoInfo(msg.data)?.command === undefined) this.hasVideo = true
    if (this.remember(msg)) return []
    if (this.isBoundary(msg)) {
      if (this.state === 'armed') return this.switchTo([...this.preamble(msg.timestamp), msg], false)
      if (later(msg.timestamp, this.old.newest[msg.type as Kind])) {
        return this.switchTo([...this.preamble(msg.timestamp), msg], true)
      }
      this.pending = []
      this.pendingBytes = 0
    } else if (this.pending.length === 0) {
      return [] // not decodable without the keyframe before it
    }
    this.pending.push(msg)
    this.pendingBytes += msg.data.byteLength
    if (this.pendingBytes > this.maxPendingBytes) {
      this.pending = []
      this.pendingBytes = 0
      return []
    }
    // the GOP the stream is in: go on from where the old connection is
    if (this.old.keys.includes(this.pending[0]!.timestamp)) return this.switchTo(this.pending, true)
    return []
  }

  /** The old connection is given up: switch at the keyframe held (what to deliver), or else at the next one. */
  force(): MediaMessage[] {
    if (this.state === 'switched') return []
    this.state = 'armed'
    const start = this.pending[0]
    if (!start) return []
    return this.switchTo([...this.preamble(start.timestamp), ...this.pending], false)
  }

  private switchTo(messages: readonly MediaMessage[], cut: boolean): MediaMessage[] {
    this.state = 'switched'
    this.pending = []
    this.pendingBytes = 0
    if (cut) this.cut = { ...this.old.newest }
    return messages.filter((m) => this.afterCut(m))
  }

  /** False for a frame the old connection delivered already (until the new one passes it, per kind). */
  private afterCut(msg: MediaMessage): boolean {
    if (msg.type === 'data') return true
    const cut = this.cut[msg.type as Kind]
    if (cut === undefined) return true
    if (isSequenceHeader(msg.type, msg.data)) return true
    if (!later(msg.timestamp, cut)) return false
    this.cut[msg.type as Kind] = undefined
    return true
  }

  private isBoundary(msg: MediaMessage): boolean {
    if (msg.type === 'video') return isKeyframe(msg.data)
    return msg.type === 'audio' && !this.hasVideo
  }

  /** Keeps the new connection's metadata and sequence headers (true if `msg` is one of them). */
  private remember(msg: MediaMessage): boolean {
    if (msg.type === 'data') {
      if (isOnMetaData(msg.data)) this.metadata = msg
      return true
    }
    if (!isSequenceHeader(msg.type, msg.data)) return false
    if (msg.type === 'video') this.videoHeader = msg
    else this.audioHeader = msg
    return true
  }

  /** Metadata and sequence headers to deliver before a keyframe, stamped like it (no step back in time). */
  private preamble(timestamp: number): MediaMessage[] {
    const out: MediaMessage[] = []
    for (const m of [this.metadata, this.videoHeader, this.audioHeader]) if (m) out.push({ type: m.type, timestamp, data: m.data })
    return out
  }
}
