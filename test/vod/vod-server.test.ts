import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { decodeAmf0 } from '../../src/amf/amf0-decoder'
import { RejectedError, type RtmpError } from '../../src/errors'
import { isKeyframe, isSequenceHeader } from '../../src/media/flv-tag'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import type { FlvFilePlayer, FlvFilePlayerOptions } from '../../src/vod/flv-file-player'
import { resolveFlvPath, serveFlvFile } from '../../src/vod/serve-flv-file'
import { duplexPair } from '../helpers/duplex'
import { isStatus, RawPlayer } from './raw-player'
import { frameNumber, syntheticFlv, syntheticTags } from './synthetic-flv'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-vod-'))
  // 2 s, 25 fps, keyframes at 0, 400, 800, 1200, 1600 ms; audio every 23 ms
  writeFileSync(join(dir, 'clip.flv'), syntheticFlv({ durationMs: 2000 }))
  writeFileSync(join(dir, 'short.flv'), syntheticFlv({ durationMs: 1200 }))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

interface VodServer {
  readonly server: RtmpServer
  readonly players: FlvFilePlayer[]
  readonly errors: RtmpError[]
}

/** A server that serves `dir` as VOD: every play is a file. */
function vodServer(options: FlvFilePlayerOptions = {}): VodServer {
  const server = createServer()
  servers.push(server)
  const players: FlvFilePlayer[] = []
  const errors: RtmpError[] = []
  server.on('connection', (conn) =>
    conn.on('play', (req) => {
      const path = resolveFlvPath(dir, req.streamName)
      if (!path) return req.reject()
      void serveFlvFile(req, path, { ...options, onError: (e) => errors.push(e) }).then((p) => p && players.push(p))
    }),
  )
  return { server, players, errors }
}

function connect(server: RtmpServer): Promise<RtmpClient> {
  const [a, b] = duplexPair()
  server.handle(b)
  return RtmpClient.connect('rtmp://test/vod', { socket: a })
}

async function collect(stream: AsyncIterable<MediaMessage>): Promise<MediaMessage[]> {
  const out: MediaMessage[] = []
  for await (const m of stream) out.push(m)
  return out
}

const isFrame = (m: { type: string; data: Uint8Array }): boolean => m.type !== 'data' && !isSequenceHeader(m.type as 'audio' | 'video', m.data)
const FAST = { leadMs: 60_000 } // no waiting: everything goes at once

describe('VOD over in-memory Duplex pairs', () => {
  it('our RtmpClient plays a file to its end: onMetaData, sequence headers, every frame in order, then Play.Stop', async () => {
    const { server, players } = vodServer(FAST)
    const client = await connect(server)
    const statuses: string[] = []
    client.on('status', (s) => statuses.push(s.code))
    const received = await collect(await client.play('clip'))
    const source = syntheticTags({ durationMs: 2000 })
    expect(received.slice(0, 3).map((m) => m.type)).toEqual(['data', 'video', 'audio'])
    expect(decodeAmf0(received[0]!.data)[0]).toBe('onMetaData')
    expect(received.filter(isFrame).map((m) => [m.type, m.timestamp, frameNumber(m.data)])).toEqual(
      source.filter((t) => t.type !== 18 && !isSequenceHeader(t.type === 9 ? 'video' : 'audio', t.data)).map((t) => [t.type === 9 ? 'video' : 'audio', t.timestamp, frameNumber(t.data)]),
    )
    expect(statuses).toEqual(expect.arrayContaining(['NetStream.Play.Start', 'NetStream.Play.Stop']))
    expect(await players[0]!.done).toBe('complete')
    await client.close()
  })

  it('accepts the names ffmpeg and Flash use for the same file', async () => {
    const { server } = vodServer(FAST)
    const client = await connect(server)
    for (const name of ['clip.flv', 'flv:clip']) expect((await collect(await client.play(name))).filter(isFrame).length).toBeGreaterThan(100)
    await client.close()
  })

  it('starts at the keyframe at or before the play start, after onMetaData and the sequence headers', async () => {
    const { server } = vodServer(FAST)
    const client = await connect(server)
    const received = await collect(await client.play('clip', { start: 1000 }))
    expect(received.slice(0, 3).map((m) => m.type)).toEqual(['data', 'video', 'audio'])
    const first = received.filter(isFrame)[0]!
    expect(first.type).toBe('video')
    expect(isKeyframe(first.data)).toBe(true)
    expect(first.timestamp).toBe(800)
    expect(received.filter(isFrame).every((m) => m.timestamp >= 800)).toBe(true)
    await client.close()
  })

  it('stops after the play duration', async () => {
    const { server } = vodServer(FAST)
    const client = await connect(server)
    const received = await collect(await client.play('clip', { start: 400, duration: 500 }))
    const frames = received.filter(isFrame)
    expect(frames[0]!.timestamp).toBe(400)
    // up to 400 + 500: video 880, audio 897 (video 920 is past it)
    expect(Math.max(...frames.filter((m) => m.type === 'video').map((m) => m.timestamp))).toBe(880)
    expect(Math.max(...frames.map((m) => m.timestamp))).toBe(897)
    await client.close()
  })

  it('rejects a file that is not there with NetStream.Play.StreamNotFound and says why', async () => {
    const { server, errors } = vodServer(FAST)
    const client = await connect(server)
    const err = await client.play('missing').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RejectedError)
    expect((err as RejectedError).status.code).toBe('NetStream.Play.StreamNotFound')
    expect((err as RejectedError).status.description).not.toContain(dir) // the server's paths stay private
    expect(errors.map((e) => e.code)).toEqual(['RTMP_ERR_IO'])
    // names that would leave the directory never reach the file system
    expect(resolveFlvPath(dir, '../etc/passwd')).toBeUndefined()
    expect(resolveFlvPath(dir, 'a/../../x')).toBeUndefined()
    expect(resolveFlvPath(dir, 'sub/clip')).toBe(join(dir, 'sub', 'clip.flv'))
    await client.close()
  })

  it('marks the stream recorded and ends it the way nginx-rtmp does: StreamEOF, onPlayStatus Play.Complete, Play.Stop', async () => {
    const { server } = vodServer(FAST)
    const player = await RawPlayer.connect(server)
    await player.play('short')
    await player.waitFor(isStatus('NetStream.Play.Stop'))
    const seen = player.describe()
    const start = seen.indexOf('NetStream.Play.Start')
    expect(seen.indexOf('streamIsRecorded')).toBeGreaterThan(start)
    expect(seen.slice(-3)).toEqual(['streamEof', 'data onPlayStatus', 'NetStream.Play.Stop'])
    const complete = player.seen.map((s) => s.event).find((e) => e.type === 'data' && e.values[0] === 'onPlayStatus')
    expect(complete).toMatchObject({ values: ['onPlayStatus', { code: 'NetStream.Play.Complete', level: 'status' }] })
    player.close()
  })

  it('paces the media in real time after a lead', async () => {
    const { server } = vodServer({ leadMs: 300 })
    const player = await RawPlayer.connect(server)
    await player.play('short') // 1.2 s
    const startedAt = player.seen.at(-1)!.at
    await player.waitFor(isStatus('NetStream.Play.Stop'))
    const media = player.media()
    const late = (m: { timestamp: number; at: number }): number => m.at - startedAt - (m.timestamp - 300)
    // within the lead everything comes at once; after it each tag comes at its time, not (much) before
    expect(media.filter((m) => m.timestamp <= 250).every((m) => m.at - startedAt < 250)).toBe(true)
    expect(media.filter((m) => m.timestamp > 600).every((m) => late(m) > -40)).toBe(true)
    const total = player.seen.at(-1)!.at - startedAt
    expect(total).toBeGreaterThan(800)
    expect(total).toBeLessThan(4000)
    player.close()
  })

  it('pause stops the media and keeps the position; unpause resumes at the next frame', async () => {
    const { server } = vodServer({ leadMs: 100 })
    const player = await RawPlayer.connect(server)
    await player.play('clip')
    await player.waitFor((e) => e.type === 'video' && e.timestamp >= 500)
    player.pause(true, 500)
    await player.waitFor(isStatus('NetStream.Pause.Notify'))
    const notifiedAt = player.seen.length
    await sleep(400)
    expect(player.media(notifiedAt)).toEqual([])
    player.pause(false, 500)
    await player.waitFor(isStatus('NetStream.Unpause.Notify'), notifiedAt)
    await player.waitFor(isStatus('NetStream.Play.Stop'), notifiedAt)
    const video = player.media().filter((m) => m.type === 'video' && !isSequenceHeader('video', m.data))
    expect(video.map((m) => frameNumber(m.data))).toEqual(Array.from({ length: 50 }, (_, n) => n)) // no gap, no repeat
    const audio = player.media().filter((m) => m.type === 'audio' && !isSequenceHeader('audio', m.data))
    expect(audio.map((m) => frameNumber(m.data))).toEqual(Array.from({ length: 87 }, (_, n) => n))
    player.close()
  })

  it('seek answers Seek.Notify and restarts at the keyframe at or before the position, headers first', async () => {
    const { server, players } = vodServer({ leadMs: 100 })
    const player = await RawPlayer.connect(server)
    await player.play('clip')
    await player.waitFor((e) => e.type === 'video' && e.timestamp >= 200)
    const before = player.seen.length
    player.seek(1300)
    await player.waitFor(isStatus('NetStream.Seek.Notify'), before)
    await player.waitFor(isStatus('NetStream.Play.Stop'), before)
    const after = player.describe(before)
    const notify = after.indexOf('NetStream.Seek.Notify')
    expect(after.slice(notify - 1, notify + 3)).toEqual(['streamEof', 'NetStream.Seek.Notify', 'streamBegin', 'NetStream.Play.Start'])
    const since = before + notify
    const media = player.media(since)
    expect(isSequenceHeader('video', media[0]!.data) && isSequenceHeader('audio', media[1]!.data)).toBe(true)
    const frames = media.filter(isFrame)
    expect(frames[0]).toMatchObject({ type: 'video', timestamp: 1200 })
    expect(isKeyframe(frames[0]!.data)).toBe(true)
    expect(frames.every((m) => m.timestamp >= 1200)).toBe(true)
    expect(players[0]!.startMs).toBe(1200)
    expect(await players[0]!.done).toBe('complete')
    player.close()
  })

  it('ends playback and closes the file when the player leaves', async () => {
    const { server, players } = vodServer({ leadMs: 0 })
    const player = await RawPlayer.connect(server)
    await player.play('clip')
    await sleep(100)
    player.close()
    await expect(players[0]!.done).resolves.toBe('closed')
    expect(players[0]!.ended).toBe(true)
  })

  it('stop() ends playback with Play.Stop', async () => {
    const { server, players } = vodServer({ leadMs: 0 })
    const player = await RawPlayer.connect(server)
    await player.play('clip')
    await sleep(50)
    players[0]!.stop()
    await player.waitFor(isStatus('NetStream.Play.Stop'))
    expect(await players[0]!.done).toBe('stopped')
    player.close()
  })
})
