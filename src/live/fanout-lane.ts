import { Buffer } from 'node:buffer'
import { chunkMessage } from '../chunk/shared-chunks'
import { FlvTagType, type MediaMessage } from '../media/media-message'
import { ChunkStream } from '../session/chunk-streams'

/**
 * How chunk bytes must be made for an RTMP player: its outgoing chunk size and the message stream it plays
 * on. Interned (see `laneFormat`): players with the same format share one object, so comparing formats is
 * comparing references.
 */
export interface LaneFormat {
  readonly chunkSize: number
  readonly streamId: number
}

const formats = new Map<string, LaneFormat>()
/** chunk sizes and stream ids are few in practice; past this many formats, new ones are not shared */
const MAX_FORMATS = 1024

/** The one LaneFormat object for these values. */
export function laneFormat(chunkSize: number, streamId: number): LaneFormat {
  const key = `${chunkSize}/${streamId}`
  let f = formats.get(key)
  if (f !== undefined) return f
  f = Object.freeze({ chunkSize, streamId })
  if (formats.size < MAX_FORMATS) formats.set(key, f)
  return f
}

/** The chunk stream each media kind goes out on (the ones the server session uses). */
const CSID = { audio: ChunkStream.Audio, video: ChunkStream.Video, data: ChunkStream.Stream } as const

/** One media message as self-contained chunk bytes (fmt 0 first header) in `format`. */
export function chunkMedia(msg: MediaMessage, format: LaneFormat): Uint8Array {
  const raw = { typeId: FlvTagType[msg.type], streamId: format.streamId, timestamp: msg.timestamp, payload: msg.data }
  return chunkMessage(raw, CSID[msg.type], format.chunkSize)
}

/** What a lane flush hands to each member: the held messages as one Buffer, and where each one starts. */
export interface LaneBatch {
  /** every held message's chunk bytes, back to back */
  readonly bytes: Uint8Array
  /** offset in `bytes` of message i; offsets[count] = bytes.length */
  readonly offsets: readonly number[]
  /** payload bytes before message i (prefix sums, for statistics); payloads[count] = the total */
  readonly payloads: readonly number[]
  readonly messages: readonly MediaMessage[]
}

/**
 * Subscribers of a live stream that take the same chunk bytes (same `LaneFormat`, same track selection) and
 * need nothing decided per message: each message is chunked once for all of them. With batching the lane
 * also holds the chunked messages of a batch and gives them out as one Buffer (`take`), so a flush costs each
 * member one write, whatever the number of messages. Pure: no I/O, no timers; members are the caller's.
 */
export class FanoutLane<M> {
  readonly members = new Set<M>()
  private pieces: Uint8Array[] = []
  private messages: MediaMessage[] = []
  private heldBytes = 0

  constructor(
    readonly key: string,
    readonly format: LaneFormat,
    /** members get messages as published (every track); otherwise the default track only */
    readonly allTracks: boolean,
  ) {}

  /** messages held for the next `take` */
  get heldCount(): number {
    return this.messages.length
  }

  /** the messages held for the next `take`, oldest first */
  get heldMessages(): readonly MediaMessage[] {
    return this.messages
  }

  /** chunk bytes held for the next `take` */
  get held(): number {
    return this.heldBytes
  }

  /** `msg` chunked for this lane's members. */
  chunk(msg: MediaMessage): Uint8Array {
    return chunkMedia(msg, this.format)
  }

  /** Chunks `msg` and holds it for the next `take`. */
  hold(msg: MediaMessage): void {
    const bytes = this.chunk(msg)
    this.pieces.push(bytes)
    this.messages.push(msg)
    this.heldBytes += bytes.length
  }

  /** The held messages as one batch (one copy, shared by every member), or undefined when none are held. */
  take(): LaneBatch | undefined {
    const pieces = this.pieces
    if (pieces.length === 0) return undefined
    const messages = this.messages
    const offsets: number[] = new Array<number>(pieces.length + 1)
    const payloads: number[] = new Array<number>(pieces.length + 1)
    let o = 0
    let p = 0
    for (let i = 0; i < pieces.length; i++) {
      offsets[i] = o
      payloads[i] = p
      o += pieces[i]!.length
      p += messages[i]!.data.length
    }
    offsets[pieces.length] = o
    payloads[pieces.length] = p
    const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, o)
    this.pieces = []
    this.messages = []
    this.heldBytes = 0
    return { bytes, offsets, payloads, messages }
  }

  /** Forgets what is held. */
  clear(): void {
    this.pieces = []
    this.messages = []
    this.heldBytes = 0
  }
}
