import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe as suite, expect, it } from 'vitest'
import { LiveRouter, type LiveRouterOptions } from '../../src/live/live-router'
import { audioInfo, videoInfo } from '../../src/media/flv-tag'
import { readFlvFile } from '../../src/media/flv-reader'
import { FlvTagType, mediaTypeOf, type MediaMessage } from '../../src/media/media-message'
import { writeFlvFile } from '../../src/media/flv-writer'
import { FlvStreamSink } from '../../src/record/flv-stream-sink'
import { RtmpClient, type RtmpClientOptions } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'
import { toHex } from '../helpers/hex'
import { decodeErrors, makeFixture } from '../helpers/media-fixtures'
import { modernSuite } from '../helpers/modern-ffmpeg'
import { run } from '../helpers/processes'
import { describe, mtAudio, mtVideo, type Track } from './enhanced-frames'
import { FakeClock, RecordingSink, audio, data, metadata, video } from './live-harness'

// An Enhanced RTMP v2 multitrack stream through the live hub: two video tracks of different codecs (HEVC as
// the default track 0, AV1 as track 1) and two audio tracks (Opus 0, FLAC 1). Sinks that take multitrack get
// every message as published; the others get track 0 only, as single-track messages.

const V0: Track = { id: 0, fourCc: 'hvc1' }
const V1: Track = { id: 1, fourCc: 'av01' }
const A0: Track = { id: 0, fourCc: 'Opus' }
const A1: Track = { id: 1, fourCc: 'fLaC' }

/** A sink that announced multitrack (what PlayStream says for a player with the capsEx Multitrack bit). */
class MultitrackSink extends RecordingSink {
  readonly multitrack = true
}

/**
 * onMetaData, both tracks' SequenceStarts (ManyTracksManyCodecs), then per 40 ms one video message with both
 * tracks (key every `gop`, CodedFrames / CodedFramesX alternating) and one OneTrack audio message per track,
 * as OBS sends its extra audio tracks.
 */
function stream(frames: number, gop = 5, from = 0): MediaMessage[] {
  const out: MediaMessage[] =
    from === 0 ? [data(0, metadata), video(0, mtVideo('key', 'seq', 'mixed', [V0, V1])), audio(0, mtAudio('seq', 'mixed', [A0, A1]))] : []
  for (let n = from; n < from + frames; n++) {
    const t = n * 40
    out.push(video(t, mtVideo(n % gop === 0 ? 'key' : 'inter', n % 2 ? 'codedX' : 'coded', 'mixed', [V0, V1], n)))
    out.push(audio(t + 10, mtAudio('coded', 'one', [A0], n)))
    out.push(audio(t + 20, mtAudio('coded', 'one', [A1], n)))
  }
  return out
}

/** What a single-track sink should get of `stream(frames)`: written from the stream's recipe, not the code. */
function defaultTrack(frames: number, gop = 5, from = 0): string[] {
  const out = from === 0 ? ['data@0', 'hvc1:KS0@0', 'Opus:S0@0'] : []
  for (let n = from; n < from + frames; n++) {
    out.push(`hvc1:${n % gop === 0 ? 'K' : 'I'}${n % 2 ? 'X' : 'C'}${n}@${n * 40}`, `Opus:F${n}@${n * 40 + 10}`)
  }
  return out
}

function setup(options: LiveRouterOptions = {}) {
  const router = new LiveRouter({ clock: new FakeClock(), ...options })
  const publisher = router.publish('live', 'cam')!
  const join = <S extends RecordingSink>(sink: S, start: 'gop' | 'live' = 'gop'): S => {
    router.subscribe('live', 'cam', sink, { start })
    return sink
  }
  return { router, publisher, join }
}

const payloads = (sink: RecordingSink): Uint8Array[] => sink.events.flatMap((e) => ('data' in e ? [e.data] : []))
const got = (sink: RecordingSink): string[] =>
  sink.events.flatMap((e) => ('data' in e ? [`${describe({ type: e.kind, timestamp: e.timestamp, data: e.data })}@${e.timestamp}`] : []))

suite('a multitrack stream through the live hub', () => {
  it('gives a multitrack sink every message of every track, as published (shared, not copied)', () => {
    const { publisher, join } = setup()
    const sink = join(new MultitrackSink())
    const msgs = stream(12)
    for (const m of msgs) publisher.write(m)
    const received = payloads(sink)
    expect(received).toHaveLength(msgs.length)
    received.forEach((d, i) => expect(d).toBe(msgs[i]!.data))
    expect(got(sink)[3]).toBe('MT[0 hvc1:KC0|1 av01:KC0]@0')
  })

  it('gives a sink that did not announce multitrack the default track only, as well-formed single-track messages', () => {
    const { publisher, join } = setup()
    const sink = join(new RecordingSink())
    for (const m of stream(12)) publisher.write(m)
    expect(got(sink)).toEqual(defaultTrack(12))
    for (const e of sink.events) {
      if (!('data' in e) || e.kind === 'data') continue
      const info = e.kind === 'video' ? videoInfo(e.data) : audioInfo(e.data)
      expect(info, describe({ type: e.kind, timestamp: 0, data: e.data })).toBeDefined()
      expect(info!.multitrack).toBeUndefined()
      expect(info!.fourCc).toBe(e.kind === 'video' ? 'hvc1' : 'Opus')
      // the codec payload is intact: [0xee, serial]
      expect(e.data.subarray(info!.payloadOffset)[0]).toBe(0xee)
    }
    // HEVC CodedFrames keep their composition time field
    const coded = sink.events.find((e) => 'data' in e && e.kind === 'video' && videoInfo(e.data)?.packetType === 1)
    expect(coded && 'data' in coded ? videoInfo(coded.data)?.compositionTime : undefined).toBe(0)
  })

  it('projects each message once: every single-track sink gets the same bytes', () => {
    const { publisher, join } = setup()
    const a = join(new RecordingSink())
    const b = join(new RecordingSink())
    const msgs = stream(3)
    for (const m of msgs) publisher.write(m)
    const pa = payloads(a)
    const pb = payloads(b)
    expect(pa).toHaveLength(defaultTrack(3).length)
    pa.forEach((d, i) => expect(pb[i]).toBe(d))
    // the projection is a new message; the data message is passed as is
    expect(pa[0]).toBe(msgs[0]!.data)
    expect(pa[1]).not.toBe(msgs[1]!.data)
  })

  it('replays per-track headers and the GOP from the default track key frame to late joiners, each in its form', () => {
    const { publisher, join } = setup()
    const msgs = stream(8) // default-track key frames at 0 and 5 (200 ms)
    for (const m of msgs) publisher.write(m)
    const all = join(new MultitrackSink())
    const one = join(new RecordingSink())
    const keyAt = msgs.findIndex((m) => m.timestamp === 200 && m.type === 'video')
    expect(got(all)).toEqual([
      'data@200',
      'MT[0 hvc1:KS0|1 av01:KS0]@200',
      'MT[0 Opus:S0|1 fLaC:S0]@200',
      ...msgs.slice(keyAt).map((m) => `${describe(m)}@${m.timestamp}`),
    ])
    expect(got(one)).toEqual(['data@200', 'hvc1:KS0@200', 'Opus:S0@200', ...defaultTrack(3, 5, 5)])
  })

  it('replaces only the header of the track a new SequenceStart is for', () => {
    const { publisher, join } = setup()
    for (const m of stream(2)) publisher.write(m)
    const live = join(new RecordingSink())
    const firstPlainHeader = payloads(live)[1]
    const before = payloads(live).length
    publisher.write(video(80, mtVideo('key', 'seq', 'one', [{ id: 1, fourCc: 'vp09' }], 7)))
    expect(payloads(live)).toHaveLength(before) // no track-0 part: nothing for a single-track sink

    const all = join(new MultitrackSink())
    const one = join(new RecordingSink())
    expect(got(all).slice(0, 5)).toEqual(['data@0', 'MT[0 hvc1:KS0|1 av01:KS0]@0', 'MT[1 vp09:KS7]@0', 'MT[0 Opus:S0|1 fLaC:S0]@0', 'MT[0 hvc1:KC0|1 av01:KC0]@0'])
    expect(got(one).slice(0, 4)).toEqual(['data@0', 'hvc1:KS0@0', 'Opus:S0@0', 'hvc1:KC0@0'])
    // the projection made when the header arrived, not a new one per joiner
    expect(payloads(one)[1]).toBe(firstPlainHeader)

    publisher.write(video(80, mtVideo('key', 'seq', 'one', [{ id: 0, fourCc: 'avc1' }], 8)))
    expect(got(join(new MultitrackSink())).slice(1, 4)).toEqual(['MT[1 vp09:KS7]@0', 'MT[0 avc1:KS8]@0', 'MT[0 Opus:S0|1 fLaC:S0]@0'])
    expect(got(join(new RecordingSink())).slice(1, 3)).toEqual(['avc1:KS8@0', 'Opus:S0@0'])
  })

  it('keeps per-track HDR colorInfo for multitrack sinks and the default track one for the others', () => {
    const { publisher, join } = setup()
    for (const m of stream(1)) publisher.write(m)
    publisher.write(video(0, mtVideo('key', 'meta', 'one', [V1], 3)))
    publisher.write(video(0, mtVideo('key', 'meta', 'one', [V0], 4)))
    expect(got(join(new MultitrackSink())).slice(1, 4)).toEqual(['MT[0 hvc1:KS0|1 av01:KS0]@0', 'MT[1 av01:KM3]@0', 'MT[0 hvc1:KM4]@0'])
    expect(got(join(new RecordingSink())).slice(1, 3)).toEqual(['hvc1:KS0@0', 'hvc1:KM4@0'])
  })

  it('does not restart the GOP at a key frame of another track alone', () => {
    const { publisher, join } = setup()
    for (const m of stream(3)) publisher.write(m)
    const lone = video(120, mtVideo('key', 'codedX', 'one', [V1], 9))
    publisher.write(lone)
    for (const m of stream(1, 5, 3)) publisher.write(m)
    const all = got(join(new MultitrackSink()))
    expect(all[3]).toBe('MT[0 hvc1:KC0|1 av01:KC0]@0')
    expect(all).toContain('MT[1 av01:KX9]@120')
    expect(got(join(new RecordingSink()))).toEqual(defaultTrack(4))
  })

  it("starts a 'live' single-track joiner at the next default-track key frame, headers first", () => {
    const { publisher, join } = setup()
    for (const m of stream(3)) publisher.write(m)
    const sink = join(new RecordingSink(), 'live')
    for (const m of stream(4, 5, 3)) publisher.write(m)
    expect(got(sink)).toEqual(['data@100', 'hvc1:KS0@100', 'Opus:S0@100', ...defaultTrack(2, 5, 5)])
  })

  it("sends every track to every sink with the router option multitrack: 'all'", () => {
    const { publisher, join } = setup({ multitrack: 'all' })
    const sink = join(new RecordingSink())
    const msgs = stream(4)
    for (const m of msgs) publisher.write(m)
    expect(payloads(sink)).toEqual(msgs.map((m) => m.data))
  })

  it('leaves legacy AVC/AAC and single-track messages alone for single-track sinks', () => {
    const { publisher, join } = setup()
    const sink = join(new RecordingSink())
    const legacy = [video(0, Uint8Array.of(0x17, 1, 0, 0, 0, 9)), audio(0, Uint8Array.of(0xaf, 1, 7))]
    for (const m of legacy) publisher.write(m)
    payloads(sink).forEach((d, i) => expect(d).toBe(legacy[i]!.data))
  })

  it("keeps an unframed message of another codec (ffmpeg 9's colorInfo of track 1) from single-track sinks", () => {
    // what ffmpeg 9's FLV muxer writes: track 0 as legacy AVC tags, track 1 (HEVC) as OneTrack tags, except the
    // HEVC colorInfo Metadata, which has no Multitrack framing (frame type Command | Metadata, FourCC hvc1)
    const avc = (b0: number, pt: number, n: number): Uint8Array => Uint8Array.of(b0, pt, 0, 0, 0, 0xee, n)
    const colorInfo = Uint8Array.of(0xd4, ...Array.from('hvc1', (c) => c.charCodeAt(0)), 0xee, 3)
    const msgs = [
      video(0, avc(0x17, 0, 0)),
      video(0, mtVideo('key', 'seq', 'one', [{ id: 1, fourCc: 'hvc1' }])),
      video(0, avc(0x17, 1, 1)),
      video(0, colorInfo),
      video(0, mtVideo('key', 'coded', 'one', [{ id: 1, fourCc: 'hvc1' }], 1)),
      video(40, avc(0x27, 1, 2)),
      video(40, mtVideo('inter', 'coded', 'one', [{ id: 1, fourCc: 'hvc1' }], 2)),
    ]
    const { publisher, join } = setup()
    const all = join(new MultitrackSink())
    const one = join(new RecordingSink())
    for (const m of msgs) publisher.write(m)
    expect(payloads(all)).toEqual(msgs.map((m) => m.data))
    expect(payloads(one)).toEqual([msgs[0]!.data, msgs[2]!.data, msgs[5]!.data])
    // nor is it replayed as track 0's colorInfo; multitrack joiners get it in the GOP
    expect(payloads(join(new RecordingSink()))).toEqual([msgs[0]!.data, msgs[2]!.data, msgs[5]!.data])
    expect(got(join(new MultitrackSink()))).toContain('hvc1:IM3@0')
  })

  it('writes every track into an HTTP-FLV stream (FlvStreamSink takes multitrack)', async () => {
    const { router, publisher } = setup()
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (c: Buffer) => chunks.push(c))
    router.subscribe('live', 'cam', new FlvStreamSink(out))
    const msgs = stream(5)
    for (const m of msgs) publisher.write(m)
    await new Promise((r) => setImmediate(r))
    const flv = readFlvFile(new Uint8Array(Buffer.concat(chunks)))
    expect(flv.error).toBeUndefined()
    const media = flv.tags.filter((t) => t.type !== 18).map((t) => describe({ type: t.type === 9 ? 'video' : 'audio', timestamp: t.timestamp, data: t.data }))
    expect(media).toEqual(msgs.filter((m) => m.type !== 'data').map((m) => describe(m)))
  })
})

// ── end to end: our publisher, our players, the server's live hub ──────────────────────────────────────

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function connect(server: RtmpServer, options: RtmpClientOptions = {}): Promise<RtmpClient> {
  const [a, b] = duplexPair()
  server.handle(b)
  return RtmpClient.connect('rtmp://test/live', { ...options, socket: a })
}

async function collect(player: AsyncIterable<MediaMessage>, n: number): Promise<MediaMessage[]> {
  const out: MediaMessage[] = []
  for await (const m of player) {
    if (m.type === 'data') continue
    out.push(m)
    if (out.length >= n) break
  }
  return out
}

suite('multitrack over RTMP', () => {
  it('gives a player that announced capsEx Multitrack every track, and one that did not the default track', async () => {
    const server = createServer()
    servers.push(server)
    const pubClient = await connect(server)
    const pub = await pubClient.publish('cam')
    const allClient = await connect(server, { connectObject: { capsEx: 0x02 } })
    // our client announces capsEx by default: this one says it has no Multitrack bit, as a legacy player
    const oneClient = await connect(server, { connectObject: { capsEx: 0 } })
    const allPlayer = await allClient.play('cam')
    const onePlayer = await oneClient.play('cam')

    const msgs = stream(6).filter((m) => m.type !== 'data')
    const expectedOne = defaultTrack(6).slice(1)
    const gotAll = collect(allPlayer, msgs.length)
    const gotOne = collect(onePlayer, expectedOne.length)
    for (const m of msgs) await pub.write(m)
    const all = await gotAll
    expect(all.map((m) => toHex(m.data))).toEqual(msgs.map((m) => toHex(m.data)))
    expect((await gotOne).map((m) => `${describe(m)}@${m.timestamp}`)).toEqual(expectedOne)
    await Promise.all([pubClient, allClient, oneClient].map((c) => c.close()))
  }, 30_000)
})

// ── a real demuxer and decoder read what the hub sends ─────────────────────────────────────────────────

/** A legacy AVC tag body as a OneTrack multitrack avc1 message for `trackId` (how ffmpeg's FLV muxer writes tracks). */
function avcAsTrack(d: Uint8Array, trackId: number): Uint8Array {
  const packetType = d[1]! // 0 AVCDecoderConfigurationRecord, 1 NALUs (with CT), 2 end
  const body = packetType === 1 ? d.subarray(2) : d.subarray(5)
  const frame = (d[0]! >> 4) & 0x07
  return Uint8Array.from([0x80 | (frame << 4) | 6, packetType, ...Array.from('avc1', (c) => c.charCodeAt(0)), trackId, ...body])
}

modernSuite('multitrack through the hub, read by ffmpeg', ({ ffmpeg, ffprobe }) => {
  it('demuxes both video tracks of what a multitrack sink gets and decodes the default-track projection cleanly', async () => {
    const fixture = readFlvFile(new Uint8Array(readFileSync(await makeFixture(ffmpeg, { seconds: 2 }))))
    const { publisher, join } = setup()
    const sinks = { all: join(new MultitrackSink()), one: join(new RecordingSink()) }
    for (const tag of fixture.tags) {
      const type = mediaTypeOf(tag.type)!
      if (type !== 'video') publisher.write({ type, timestamp: tag.timestamp, data: tag.data })
      else for (const id of [0, 1]) publisher.write({ type, timestamp: tag.timestamp, data: avcAsTrack(tag.data, id) })
    }
    const dir = mkdtempSync(joinPath(tmpdir(), 'rtmp-kit-mt-'))
    const streams = async (name: keyof typeof sinks): Promise<string[]> => {
      const file = joinPath(dir, `${name}.flv`)
      const tags = sinks[name].events.flatMap((e) => ('data' in e ? [{ type: FlvTagType[e.kind], timestamp: e.timestamp, data: e.data }] : []))
      writeFileSync(file, writeFlvFile(tags))
      const exit = await run(ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file], { timeoutMs: 30_000 })
      expect(exit.code, exit.stderr).toBe(0)
      expect(await decodeErrors(ffmpeg, file)).toBe('')
      return exit.stdout.trim().split('\n').sort()
    }
    try {
      expect(await streams('all')).toEqual(['aac', 'h264', 'h264'])
      expect(await streams('one')).toEqual(['aac', 'h264'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
