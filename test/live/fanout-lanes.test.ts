import { describe, expect, it } from 'vitest'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import { FanoutLane, chunkMedia, laneFormat, type LaneFormat } from '../../src/live/fanout-lane'
import { LiveRouter, type LiveRouterOptions } from '../../src/live/live-router'
import type { ChunkedSink } from '../../src/live/live-sink'
import { mediaTypeOf, type MediaMessage } from '../../src/media/media-message'
import { createRng } from '../helpers/rng'
import { FakeClock, RecordingSink, audio, avStream, interframe, keyframe, video } from './live-harness'

const FORMAT = laneFormat(128, 1) // the reader's default chunk size: no Set Chunk Size needed to read it back

/**
 * A player as the live stream sees it: it records what it is written one message at a time (`write`) and,
 * read back with a chunk reader, what it is written as shared chunk bytes (`writeChunks`), in one list.
 */
class ChunkedRecordingSink extends RecordingSink implements ChunkedSink {
  format: LaneFormat | undefined = FORMAT
  /** what writes return: false plays a connection over its high-water mark */
  accept = true
  readonly writeHighWaterMark = 16 * 1024
  readonly chunkWrites: Uint8Array[] = []
  messageWrites = 0
  private readonly reader = new ChunkReader()

  get chunked(): ChunkedSink {
    return this
  }

  get laneFormat(): LaneFormat | undefined {
    return this.format
  }

  override write(msg: MediaMessage): boolean {
    this.messageWrites++
    super.write(msg)
    return this.accept
  }

  writeChunks(bytes: Uint8Array): boolean {
    this.chunkWrites.push(bytes)
    this.reader.receive(bytes, (raw) => {
      expect(raw.streamId).toBe(FORMAT.streamId)
      this.events.push({ kind: mediaTypeOf(raw.typeId)!, timestamp: raw.timestamp, data: raw.payload })
    })
    return this.accept
  }
}

function router(options: LiveRouterOptions = {}): { live: LiveRouter; clock: FakeClock } {
  const clock = new FakeClock()
  return { live: new LiveRouter({ clock, ...options }), clock }
}

describe('FanoutLane', () => {
  it('interns formats: equal values give the same object', () => {
    expect(laneFormat(4096, 1)).toBe(laneFormat(4096, 1))
    expect(laneFormat(4096, 1)).not.toBe(laneFormat(4096, 2))
    expect(Object.isFrozen(laneFormat(128, 1))).toBe(true)
  })

  it('chunks a message as a ChunkWriter with no history would, on the chunk stream of its kind', () => {
    for (const [msg, csid, typeId] of [
      [video(0xfffff0, keyframe(1, 5000)), 7, 9],
      [audio(40, new Uint8Array(300).fill(0xaf)), 6, 8],
      [{ type: 'data', timestamp: 0, data: new Uint8Array([2, 0, 1, 0x61]) } as MediaMessage, 5, 18],
    ] as const) {
      const expected = new ChunkWriter()
      expected.setChunkSize(128)
      const want = Buffer.concat(expected.write({ typeId, streamId: 1, timestamp: msg.timestamp, payload: msg.data }, csid))
      expect(Buffer.from(chunkMedia(msg, FORMAT)).equals(want)).toBe(true)
    }
  })

  it('gives held messages out as one buffer with the offset of each', () => {
    const lane = new FanoutLane<object>('k', FORMAT, false)
    expect(lane.take()).toBeUndefined()
    const msgs = [video(0, keyframe(0, 300)), audio(0, new Uint8Array(7)), video(40, interframe(1, 20))]
    for (const m of msgs) lane.hold(m)
    expect(lane.heldCount).toBe(3)
    const batch = lane.take()!
    expect(lane.heldCount).toBe(0)
    expect(lane.held).toBe(0)
    expect(batch.offsets).toHaveLength(4)
    expect(batch.payloads).toEqual([0, 300, 307, 327])
    msgs.forEach((m, i) => {
      const piece = batch.bytes.subarray(batch.offsets[i], batch.offsets[i + 1])
      expect(Buffer.from(piece).equals(Buffer.from(chunkMedia(m, FORMAT)))).toBe(true)
    })
  })
})

describe('LiveStream fan-out lanes', () => {
  it('serves players that keep up from one lane: each message chunked once, the same bytes written to each', () => {
    const { live } = router()
    const reference = new RecordingSink()
    const players = [1, 2, 3].map(() => new ChunkedRecordingSink())
    live.subscribe('live', 'a', reference)
    for (const p of players) live.subscribe('live', 'a', p)
    const pub = live.publish('live', 'a')!
    const messages = avStream({ seconds: 2, videoSize: 400 })
    for (const m of messages) pub.write(m)
    for (const p of players) {
      expect(p.media()).toEqual(reference.media())
      expect(p.chunkWrites.length).toBeGreaterThan(messages.length - 10)
    }
    // one object per message for all three
    expect(players[1]!.chunkWrites.every((b, i) => b === players[0]!.chunkWrites[i])).toBe(true)
    const fanout = live.streamStats('live', 'a')!.fanout
    expect(fanout.laneSubscribers).toBe(3)
    expect(fanout.writes).toBe(3 * fanout.messagesChunked)
  })

  it('gates a player over its write limit per message (GOP tails dropped) and takes it back into the lane once it keeps up', () => {
    const { live } = router({ players: { dropBufferedBytes: 64 * 1024 } })
    const fast = new ChunkedRecordingSink()
    const slow = new ChunkedRecordingSink()
    live.subscribe('live', 'a', fast)
    live.subscribe('live', 'a', slow)
    const pub = live.publish('live', 'a')!
    const messages = avStream({ seconds: 4, gop: 25, videoSize: 400 })
    messages.forEach((m, i) => {
      // the slow player's connection backs up for a second, far over the drop limit, then drains
      slow.accept = i < 60 || i > 135
      slow.buffered = slow.accept ? 0 : 100 * 1024
      pub.write(m)
    })
    expect(fast.media()).toEqual(messages.map((m) => labelOf(m)))
    const got = slow.media()
    // in order, nothing twice, all audio; the video it lost is the tail of a GOP
    expect(new Set(got).size).toBe(got.length)
    const indexOf = new Map(fast.media().map((l, i) => [l, i]))
    const at = got.map((l) => indexOf.get(l)!)
    expect(at).toEqual([...at].sort((a, b) => a - b))
    expect(got.filter((l) => l.startsWith('a'))).toEqual(fast.media().filter((l) => l.startsWith('a')))
    const lost = fast.media().filter((l) => !got.includes(l))
    expect(lost.length).toBeGreaterThan(5)
    expect(lost.every((l) => l.startsWith('P'))).toBe(true)
    // back in the lane at the end: the next messages are chunk writes again
    const before = slow.chunkWrites.length
    pub.write(video(10_000, keyframe(250, 400)))
    expect(slow.chunkWrites.length).toBe(before + 1)
    expect(live.streamStats('live', 'a')!.fanout.laneSubscribers).toBe(2)
  })

  it('hands messages one by one to a player that cannot take shared bytes now (paused, audio or video off)', () => {
    const { live } = router()
    const player = new ChunkedRecordingSink()
    live.subscribe('live', 'a', player)
    const pub = live.publish('live', 'a')!
    const messages = avStream({ seconds: 1 })
    messages.slice(0, 20).forEach((m) => pub.write(m))
    const chunkWrites = player.chunkWrites.length
    expect(chunkWrites).toBeGreaterThan(10)
    player.format = undefined
    const writes = player.messageWrites
    messages.slice(20, 40).forEach((m) => pub.write(m))
    expect(player.chunkWrites.length).toBe(chunkWrites)
    expect(player.messageWrites).toBe(writes + 20)
    player.format = FORMAT
    messages.slice(40).forEach((m) => pub.write(m))
    expect(player.chunkWrites.length).toBeGreaterThan(chunkWrites)
    const reference = avStream({ seconds: 1 }).map((m) => labelOf(m))
    expect(player.media()).toEqual(reference)
  })

  describe('with writeBatchMs', () => {
    /** A stream batching 100 ms and a player that is in its lane after two messages. */
    function laneMemberOfBatchedStream() {
      const { live } = router({ writeBatchMs: 100 })
      const a = new ChunkedRecordingSink()
      live.subscribe('live', 'a', a)
      const pub = live.publish('live', 'a')!
      pub.write(video(0, keyframe(0, 100)))
      pub.write(video(40, interframe(1, 100))) // a is in the lane from here
      return { a, pub }
    }

    it('writes a batch to each member in one piece; a member that joins mid-batch gets only what follows', () => {
      const { live, clock } = router({ writeBatchMs: 50 })
      const a = new ChunkedRecordingSink()
      const b = new ChunkedRecordingSink()
      live.subscribe('live', 'a', a)
      const pub = live.publish('live', 'a')!
      const messages = avStream({ seconds: 2, videoSize: 200 })
      messages.slice(0, 6).forEach((m) => pub.write(m)) // headers, keyframe: a joins the lane
      clock.advance(50)
      const aWrites = a.chunkWrites.length
      messages.slice(6, 10).forEach((m) => pub.write(m))
      live.subscribe('live', 'a', b) // mid-batch: gets the headers and GOP one by one
      messages.slice(10, 16).forEach((m) => pub.write(m))
      expect(a.chunkWrites.length).toBe(aWrites) // held
      clock.advance(50)
      expect(a.chunkWrites.length).toBe(aWrites + 1)
      expect(b.chunkWrites).toHaveLength(1)
      messages.slice(16).forEach((m) => pub.write(m))
      clock.advance(50)
      expect(a.media()).toEqual(messages.map((m) => labelOf(m)))
      // b: headers and the GOP so far, then everything from its join on, each once
      const bGot = b.media()
      const frames = bGot.filter((l) => !/^(avcH|aacH|meta)@/.test(l))
      expect(new Set(frames).size).toBe(frames.length)
      expect(bGot.slice(-(messages.length - 10))).toEqual(a.media().slice(10))
    })

    it('refuses a batch time outside 0..100 ms', () => {
      for (const writeBatchMs of [-1, 101, Number.NaN]) expect(() => new LiveRouter({ writeBatchMs })).toThrow(RangeError)
      expect(() => new LiveRouter({ writeBatchMs: 100 })).not.toThrow()
    })

    it('flushes at once past 64 KiB held', () => {
      const { a, pub } = laneMemberOfBatchedStream()
      expect(a.chunkWrites).toHaveLength(0)
      for (let i = 2; i < 12; i++) pub.write(video(i * 40, interframe(i, 8000)))
      expect(a.chunkWrites).toHaveLength(1)
    })

    it('does not send the message that filled a batch again to a member that fell behind on that flush', () => {
      const { a, pub } = laneMemberOfBatchedStream()
      a.accept = false // the flush below leaves it over its write limit, yet under the drop limit
      for (let i = 2; i < 12; i++) pub.write(video(i * 40, keyframe(i, 8000)))
      const got = a.media()
      expect(got).toEqual([...new Set(got)])
      expect(got).toHaveLength(12)
      expect(a.chunkWrites).toHaveLength(1)
    })

    it('delivers what a lane holds before the publisher-left notice, and to a subscriber that leaves', () => {
      const { live } = router({ writeBatchMs: 100 })
      const a = new ChunkedRecordingSink()
      const b = new ChunkedRecordingSink()
      live.subscribe('live', 'a', a)
      const leaving = live.subscribe('live', 'a', b)
      const pub = live.publish('live', 'a')!
      const messages = avStream({ seconds: 1 })
      messages.forEach((m) => pub.write(m))
      leaving.unsubscribe()
      expect(b.media()).toEqual(messages.map((m) => labelOf(m)))
      pub.end()
      expect(a.media()).toEqual(messages.map((m) => labelOf(m)))
      expect(a.events.at(-1)).toEqual({ kind: 'publishEnded' })
    })
  })

  it('property: whatever the players do, each gets the published messages in order, none twice, and all of them while it keeps up', () => {
    const rng = createRng()
    for (let round = 0; round < 30; round++) {
      const writeBatchMs = rng.pick([0, 0, 20, 100])
      const { live, clock } = router({ writeBatchMs, players: { dropBufferedBytes: 32 * 1024 } })
      const pub = live.publish('live', 'p')!
      const messages = avStream({ seconds: 6, gop: rng.int(5, 40), videoSize: rng.pick([rng.int(50, 3000), rng.int(3000, 30_000)]) })
      const labels = messages.map((m) => labelOf(m))
      type Player = { sink: ChunkedRecordingSink; reference: RecordingSink; always: boolean; leave: () => void }
      const players: Player[] = []
      messages.forEach((m) => {
        if (players.length < 6 && rng.next() < 0.02) {
          const sink = new ChunkedRecordingSink()
          const reference = new RecordingSink()
          live.subscribe('live', 'p', reference)
          const sub = live.subscribe('live', 'p', sink)
          players.push({ sink, reference, always: rng.bool(), leave: () => sub.unsubscribe() })
        }
        for (const p of players) {
          if (p.always) continue
          if (rng.next() < 0.05) p.sink.accept = !p.sink.accept
          p.sink.buffered = p.sink.accept ? 0 : 40 * 1024
          if (rng.next() < 0.02) p.sink.format = p.sink.format ? undefined : FORMAT
        }
        if (players.length > 0 && rng.next() < 0.005) players.splice(rng.int(0, players.length - 1), 1)[0]!.leave()
        clock.advance(rng.int(0, 30))
        pub.write(m)
      })
      clock.advance(200)
      const context = `seed ${rng.seed} round ${round} writeBatchMs ${writeBatchMs}`
      for (const p of players) {
        const got = p.sink.media()
        if (p.always) {
          expect(got, context).toEqual(p.reference.media())
          continue
        }
        const position = new Map(labels.map((l, i) => [l, i]))
        // headers are replayed to joiners at the time playback starts: only frames have one place
        const at = got.filter((l) => !/^(avcH|aacH|meta)@/.test(l)).map((l) => position.get(l)!)
        for (let i = 1; i < at.length; i++) expect(at[i]!, context).toBeGreaterThan(at[i - 1]!)
      }
    }
  })
})

/** The label RecordingSink.media() gives a message. */
function labelOf(m: MediaMessage): string {
  const s = new RecordingSink()
  s.write(m)
  return s.media()[0]!
}
