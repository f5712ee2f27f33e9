import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { mediaTypeOf, type MediaMessage } from '../../src/media/media-message'
import { FlvRecorder, type RecordedFile } from '../../src/record/flv-recorder'
import { isMonotonic } from '../helpers/media-fixtures'
import { decodeAllErrors, modernSuite, probeStreams, type ProbedStream } from '../helpers/modern-ffmpeg'
import { interopRequired } from '../helpers/peers'
import { describeExit, run } from '../helpers/processes'
import { readTags } from '../interop/interop-support'
import { frameLabels, HEADER_LABELS, label, multitrackFrames, multitrackHeaders } from './multitrack-stream'

// Recording an Enhanced RTMP multitrack stream: every file, however far into the stream it starts, opens with
// the headers of every track, not just the last one received (which, as ffmpeg 9 and OBS send them, is track
// 1's), and starts at a key frame of the default track.

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-record-mt-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const labels = (path: string): string[] => readTags(path).map((t) => label({ type: mediaTypeOf(t.type)!, data: t.data }))
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe('FlvRecorder with an Enhanced RTMP multitrack stream', () => {
  it('joining a live stream: the file opens with every track\'s headers, then the GOP from track 0\'s key frame', async () => {
    const router = new LiveRouter()
    const pub = router.publish('live', 'cam')!
    for (const m of [...multitrackHeaders(), ...multitrackFrames(0, 13)]) pub.write(m)
    const recorder = new FlvRecorder({ dir, path: 'late.flv' })
    router.subscribe('live', 'cam', recorder)
    for (const m of multitrackFrames(13, 25)) pub.write(m)
    const closed = once(recorder, 'fileClose') as Promise<[RecordedFile]>
    pub.end()
    const [file] = await closed
    expect(labels(file.path)).toEqual(['meta', ...HEADER_LABELS, ...range(10, 25).flatMap((n) => frameLabels(n))])
  })

  it('started mid-stream, and again for a new file: each opens with every track\'s headers', async () => {
    const recorder = new FlvRecorder({ dir, path: 'clip-{n}.flv', autoStart: false })
    const write = (messages: readonly MediaMessage[]): void => {
      for (const m of messages) recorder.write(m)
    }
    write([...multitrackHeaders(), ...multitrackFrames(0, 5)])
    recorder.start()
    write(multitrackFrames(5, 15))
    const first = (await recorder.stop())!
    write(multitrackFrames(15, 25))
    recorder.start()
    write(multitrackFrames(25, 35))
    const second = (await recorder.stop())!
    expect(labels(first.path)).toEqual(['meta', ...HEADER_LABELS, ...range(10, 15).flatMap((n) => frameLabels(n))])
    expect(labels(second.path)).toEqual(['meta', ...HEADER_LABELS, ...range(30, 35).flatMap((n) => frameLabels(n))])
  })

  it('leaves a legacy single-track recording as it was: one header per kind', async () => {
    const recorder = new FlvRecorder({ dir, path: 'legacy.flv', autoStart: false })
    const legacy = (m: MediaMessage): boolean => m.data[0] === 0x17 || m.data[0] === 0x27 || m.data[0] === 0xaf || m.type === 'data'
    for (const m of [...multitrackHeaders(), ...multitrackFrames(0, 5)].filter(legacy)) recorder.write(m)
    recorder.start()
    for (const m of multitrackFrames(5, 15).filter(legacy)) recorder.write(m)
    const file = (await recorder.stop())!
    const expected = range(10, 15).flatMap((n) => frameLabels(n).filter((l) => !l.startsWith('MT')))
    expect(labels(file.path)).toEqual(['meta', 'avc:H', 'aac:H', ...expected])
  })
})

// A real multitrack stream from ffmpeg 9, recorded from its second GOP on: ffprobe must find all four tracks
// with every packet from there, and ffmpeg must decode every track without an error. Track 0 is H.264 + AAC,
// track 1 HEVC + E-AC-3 (Multitrack OneTrack messages, each with a SequenceStart of its own).
modernSuite('recording a multitrack stream from a modern ffmpeg', (peers) => {
  const encoders = ['libx264', 'libx265', 'aac', 'eac3']
  const missing = encoders.filter((e) => !peers.encoders.has(e))
  const title = 'the recorded file holds every track from track 0\'s key frame on, and decodes cleanly'
  if (missing.length > 0 && !interopRequired()) {
    it.skip(`${title} (skipped: ${peers.ffmpeg} has no ${missing.join(', ')} encoder)`, () => {})
    return
  }
  it(
    title,
    async () => {
      expect(missing, `encoders missing from ${peers.ffmpeg}`).toEqual([])
      const source = join(dir, 'source.flv')
      const gop = '25' // 25 fps: key frames at 0, 1 and 2 s, aligned across the video tracks
      const args = [
        ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi', '-i', 'testsrc=size=128x96:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000'],
        ...['-t', '3', '-map', '0:v', '-map', '1:v', '-map', '2:a', '-map', '3:a'],
        ...['-c:v:0', 'libx264', '-preset:v:0', 'veryfast', '-g:v:0', gop, '-keyint_min:v:0', gop, '-sc_threshold:v:0', '0', '-pix_fmt:v:0', 'yuv420p'],
        ...['-c:v:1', 'libx265', '-preset:v:1', 'ultrafast', '-x265-params:v:1', `keyint=${gop}:min-keyint=${gop}:scenecut=0:log-level=error`],
        ...['-pix_fmt:v:1', 'yuv420p', '-c:a:0', 'aac', '-ac:a:0', '2', '-c:a:1', 'eac3', '-b:a:1', '96k', '-ac:a:1', '2'],
        ...['-f', 'flv', source],
      ]
      const made = await run(peers.ffmpeg, args, { timeoutMs: 60_000 })
      expect(made.code, describeExit(made)).toBe(0)
      const messages = readTags(source).map((t): MediaMessage => ({ type: mediaTypeOf(t.type)!, timestamp: t.timestamp, data: t.data }))

      // through the live hub, as a recorder of a live stream started half a second in
      const router = new LiveRouter()
      const pub = router.publish('live', 'mt')!
      const recorder = new FlvRecorder({ dir, path: 'recorded.flv', autoStart: false })
      router.subscribe('live', 'mt', recorder)
      for (const m of messages) {
        if (m.timestamp >= 500 && !recorder.recording) recorder.start()
        pub.write(m)
      }
      const closed = once(recorder, 'fileClose') as Promise<[RecordedFile]>
      pub.end()
      const [file] = await closed

      const want = fromPacket(await probeStreams(peers.ffprobe, source), 1000)
      const got = await probeStreams(peers.ffprobe, file.path)
      const summary = (streams: readonly ProbedStream[]) => streams.map((s) => ({ type: s.type, codec: s.codec, count: s.count, keyframes: s.keyframes }))
      expect(summary(got)).toEqual(summary(want))
      expect(summary(got).map((s) => s.codec)).toEqual(['h264', 'hevc', 'aac', 'eac3'])
      for (const s of got) expect(isMonotonic(s.dts), `stream ${s.index} (${s.codec}): decode times in order`).toBe(true)
      expect(got[0]!.dts[0]).toBe(0) // the file starts at track 0's key frame
      expect(await decodeAllErrors(peers.ffmpeg, file.path)).toBe('')
    },
    120_000,
  )
})

/** The packets of every stream from track 0's first key frame at or after `ms` on, in file order. */
function fromPacket(streams: readonly ProbedStream[], ms: number): ProbedStream[] {
  const video0 = streams[0]!
  const key = video0.keys.findIndex((k, i) => k && video0.dts[i]! >= ms)
  const first = video0.positions[key]!
  return streams.map((s) => {
    const kept = s.positions.flatMap((p, i) => (p >= first ? [i] : []))
    return { ...s, count: kept.length, keyframes: kept.filter((i) => s.keys[i]).length }
  })
}
