import { SessionStateError } from '../errors'

export type StreamState = 'idle' | 'publishPending' | 'publishing' | 'playPending' | 'playing'

export interface StreamEntry {
  readonly id: number
  state: StreamState
  name: string
  /** player asked not to receive audio / video (receiveAudio / receiveVideo false) */
  audio: boolean
  video: boolean
  paused: boolean
}

/** Message stream ids of one connection and what each is doing. Ids start at 1 (0 is the NetConnection). */
export class StreamTable {
  private readonly streams = new Map<number, StreamEntry>()
  private nextId = 1

  constructor(private readonly maxStreams: number) {}

  /** Allocates the lowest unused id, or returns undefined when the connection has `maxStreams` already. */
  create(): StreamEntry | undefined {
    if (this.streams.size >= this.maxStreams) return undefined
    while (this.streams.has(this.nextId)) this.nextId++
    const entry: StreamEntry = { id: this.nextId++, state: 'idle', name: '', audio: true, video: true, paused: false }
    this.streams.set(entry.id, entry)
    return entry
  }

  get(id: number): StreamEntry | undefined {
    return this.streams.get(id)
  }

  /** @throws SessionStateError RTMP_ERR_INVALID_STATE naming the stream's state when it is not `expected`. */
  expect(id: number, expected: StreamState, attempted: string): StreamEntry {
    const entry = this.streams.get(id)
    if (!entry) throw new SessionStateError('RTMP_ERR_INVALID_STATE', `${attempted}: stream ${id} does not exist`)
    if (entry.state !== expected) {
      throw new SessionStateError('RTMP_ERR_INVALID_STATE', `${attempted}: stream ${id} is ${entry.state}, not ${expected}`)
    }
    return entry
  }

  delete(id: number): StreamEntry | undefined {
    const entry = this.streams.get(id)
    this.streams.delete(id)
    if (id < this.nextId) this.nextId = Math.max(1, id)
    return entry
  }

  values(): IterableIterator<StreamEntry> {
    return this.streams.values()
  }
}
