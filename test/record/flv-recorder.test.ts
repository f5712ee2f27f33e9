import { once } from 'node:events'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import { LiveRouter } from '../../src/live/live-router'
import { decodeScriptData, readFlvFile, type FlvTag } from '../../src/media/flv-reader'
import { isKeyframe } from '../../src/media/flv-tag'
import { FlvRecorder, type RecordedFile } from '../../src/record/flv-recorder'
import { recordAll } from '../../src/record/record-all'
import { asMessage, frameNumber, syntheticTags, type SyntheticOptions } from '../vod/synthetic-flv'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-record-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function readTags(path: string): FlvTag[] {
  const flv = readFlvFile(new Uint8Array(readFileSync(path)))
  if (flv.error) throw flv.error
  return flv.tags
}

/** Feeds a synthetic stream to any sink, as the live router would. */
function publishTo(sink: FlvRecorder, options: SyntheticOptions = {}): void {
  for (const t of syntheticTags(options)) {
    const m = asMessage(t)
    sink.write(m)
  }
}

/** frames only: no script data, no sequence headers */
const media = <T extends Pick<FlvTag, 'type' | 'timestamp' | 'data'>>(tags: readonly T[]): T[] => tags.filter((t) => t.type !== 18 && t.data[1] !== 0)
const metadataOf = (tags: readonly FlvTag[]): Record<string, unknown> => decodeScriptData(tags[0]!.data)[1] as Record<string, unknown>

describe('FlvRecorder', () => {
  it('records a stream to a file that starts at 0 and whose header tells its duration and size', async () => {
    const recorder = new FlvRecorder({ dir, path: 'out.flv' })
    const opened = once(recorder, 'fileOpen')
    const closed = once(recorder, 'fileClose') as Promise<[RecordedFile]>
    publishTo(recorder, { durationMs: 1000, offsetMs: 5000 })
    expect(await opened).toEqual([join(dir, 'out.flv')])
    recorder.publishEnded()
    const [file] = await closed
    const tags = readTags(file.path)
    expect(file).toMatchObject({ path: join(dir, 'out.flv'), durationMs: 1012, appended: false, droppedFrames: 0 })
    expect(file.bytes).toBe(readFileSync(file.path).length)
    expect(metadataOf(tags)).toMatchObject({ duration: 1.012, filesize: file.bytes, width: 320 })
    const source = media(syntheticTags({ durationMs: 1000 }))
    expect(media(tags).map((t) => [t.type, t.timestamp, frameNumber(t.data)])).toEqual(source.map((t) => [t.type, t.timestamp, frameNumber(t.data)]))
  })

  it("mode 'new': a file per publisher, never overwriting one", async () => {
    const recorder = new FlvRecorder({ dir, path: '{app}-{name}.flv' })
    const files: RecordedFile[] = []
    recorder.on('fileClose', (f) => files.push(f))
    for (let i = 0; i < 2; i++) {
      recorder.publishStarted('live/cam')
      publishTo(recorder, { durationMs: 400 })
      recorder.publishEnded()
      await once(recorder, 'fileClose')
    }
    expect(files.map((f) => f.path)).toEqual([join(dir, 'live-cam.flv'), join(dir, 'live-cam-2.flv')])
    for (const f of files) expect(media(readTags(f.path))[0]!.timestamp).toBe(0)
  })

  it("mode 'new': a publisher taking over starts a new file", async () => {
    const recorder = new FlvRecorder({ dir, path: 'take-{n}.flv' })
    recorder.publishStarted('live/cam')
    publishTo(recorder, { durationMs: 400 })
    const first = once(recorder, 'fileClose')
    recorder.publishStarted('live/cam')
    await first
    publishTo(recorder, { durationMs: 400, offsetMs: 9000 })
    const second = (await recorder.stop())!
    expect(second.path).toBe(join(dir, 'take-2.flv'))
    expect(readdirSync(dir).sort()).toEqual(['take-1.flv', 'take-2.flv'])
  })

  it("mode 'append': one file across publishers with timestamps continuing, also for a recorder started later", async () => {
    const path = 'show.flv'
    const recorder = new FlvRecorder({ dir, path, mode: 'append' })
    recorder.publishStarted('live/show')
    publishTo(recorder, { durationMs: 1000 })
    recorder.publishEnded()
    const [first] = (await once(recorder, 'fileClose')) as [RecordedFile]
    expect(first).toMatchObject({ appended: false, durationMs: 1012 })
    recorder.publishStarted('live/show')
    publishTo(recorder, { durationMs: 1000, offsetMs: 70_000 })
    recorder.publishEnded()
    const [second] = (await once(recorder, 'fileClose')) as [RecordedFile]
    expect(second).toMatchObject({ path: join(dir, path), appended: true, durationMs: 2024 })
    // a new recorder (e.g. after a restart) continues after the end of the file
    const later = new FlvRecorder({ dir, path, mode: 'append' })
    publishTo(later, { durationMs: 400, offsetMs: 123 })
    const third = (await later.stop())!
    expect(third).toMatchObject({ appended: true, durationMs: 2024 + 414 }) // audio: 391 + 23
    const tags = readTags(join(dir, path))
    expect(readdirSync(dir)).toEqual([path])
    expect(metadataOf(tags)).toMatchObject({ duration: 2.438, filesize: third.bytes })
    for (const type of [8, 9]) {
      const ts = media(tags).filter((t) => t.type === type).map((t) => t.timestamp)
      expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!), `type ${type} monotonic`).toBe(true)
    }
    const keyTimes = media(tags).filter((t) => t.type === 9 && isKeyframe(t.data)).map((t) => t.timestamp)
    expect(keyTimes).toContain(1012) // the second publisher's first keyframe, right after the first's end
    expect(keyTimes).toContain(2024)
  })

  it("mode 'append': a publisher that comes back at once continues the file being finished", async () => {
    const recorder = new FlvRecorder({ dir, path: 'quick.flv', mode: 'append' })
    const closed: RecordedFile[] = []
    recorder.on('fileClose', (f) => closed.push(f))
    recorder.publishStarted('live/quick')
    publishTo(recorder, { durationMs: 400, videoPad: 20_000 })
    recorder.publishEnded() // finishing: flushing and patching
    recorder.publishStarted('live/quick') // no await: the next publisher is already here
    publishTo(recorder, { durationMs: 400, videoPad: 20_000 })
    await recorder.stop()
    expect(closed.map((f) => [f.path, f.appended])).toEqual([
      [join(dir, 'quick.flv'), false],
      [join(dir, 'quick.flv'), true],
    ])
    expect(readdirSync(dir)).toEqual(['quick.flv'])
    expect(media(readTags(join(dir, 'quick.flv'))).filter((t) => t.type === 9)).toHaveLength(20)
  })

  it('stops and starts at runtime; a restart opens with the metadata and headers seen before', async () => {
    const recorder = new FlvRecorder({ dir, path: 'clip-{n}.flv', autoStart: false })
    const tags = syntheticTags({ durationMs: 2000 }).map(asMessage)
    const feed = (from: number, to: number): void => {
      for (const m of tags.slice(from, to)) {
        recorder.write(m)
      }
    }
    feed(0, 40)
    expect(readdirSync(dir)).toEqual([]) // not recording
    recorder.start()
    expect(recorder.recording).toBe(true)
    feed(40, tags.length)
    const file = (await recorder.stop())!
    expect(file.path).toBe(join(dir, 'clip-1.flv'))
    const written = readTags(file.path)
    expect(written.slice(0, 3).map((t) => t.type)).toEqual([18, 9, 8])
    const first = media(written)[0]!
    expect(isKeyframe(first.data)).toBe(true)
    expect(first.timestamp).toBe(0)
    // started mid-stream: the file begins at the first keyframe after start()
    const firstKeyAfter = tags.slice(40).find((m) => m.type === 'video' && isKeyframe(m.data))!
    expect(frameNumber(first.data)).toBe(frameNumber(firstKeyAfter.data))
    expect(recorder.recording).toBe(false)
    feed(0, 10)
    expect(readdirSync(dir)).toEqual(['clip-1.flv'])
  })

  it('drops frames until a keyframe when the disk does not keep up, and says so with RTMP_ERR_SLOW_CONSUMER', async () => {
    const recorder = new FlvRecorder({ dir, path: 'slow.flv', maxQueueBytes: 2048 })
    const errors: RtmpError[] = []
    recorder.on('recordingError', (e) => errors.push(e))
    const tags = syntheticTags({ durationMs: 2000, videoPad: 1500 }).map(asMessage)
    for (const m of tags) {
      if (m.type === 'video' && isKeyframe(m.data)) await sleep(20) // the disk catches up between GOPs
      recorder.write(m)
    }
    const file = (await recorder.stop())!
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((e) => e.code === 'RTMP_ERR_SLOW_CONSUMER')).toBe(true)
    expect(file.droppedFrames).toBeGreaterThan(0)
    // every video frame follows the one before it, or is a keyframe: the file decodes
    const video = media(readTags(file.path)).filter((t) => t.type === 9)
    expect(video.length).toBeGreaterThan(0)
    video.forEach((t, i) => {
      if (i > 0 && frameNumber(t.data) !== frameNumber(video[i - 1]!.data) + 1) expect(isKeyframe(t.data), `frame ${frameNumber(t.data)}`).toBe(true)
    })
  })

  it('reports a file it cannot create as RTMP_ERR_IO and tries again with the next publisher', async () => {
    const blocker = join(dir, 'not-a-dir')
    writeFileSync(blocker, 'x')
    const recorder = new FlvRecorder({ dir: blocker, path: 'x.flv' })
    const error = once(recorder, 'recordingError') as Promise<[RtmpError]>
    publishTo(recorder, { durationMs: 400 })
    const [e] = await error
    expect(e.code).toBe('RTMP_ERR_IO')
    expect(e.name).toBe('RecordingError')
    publishTo(recorder, { durationMs: 400 }) // ignored until the next publisher: no new error
    recorder.publishStarted('live/x')
    const again = once(recorder, 'recordingError')
    publishTo(recorder, { durationMs: 400 })
    await again
    expect(await recorder.stop()).toBeUndefined()
  })

  it("leaves a file cut mid-tag alone in mode 'append' and records next to it", async () => {
    const first = new FlvRecorder({ dir, path: 'cut.flv', mode: 'append' })
    publishTo(first, { durationMs: 400 })
    await first.stop()
    const bytes = readFileSync(join(dir, 'cut.flv'))
    writeFileSync(join(dir, 'cut.flv'), bytes.subarray(0, bytes.length - 5))
    const second = new FlvRecorder({ dir, path: 'cut.flv', mode: 'append' })
    publishTo(second, { durationMs: 400 })
    const file = (await second.stop())!
    expect(file).toMatchObject({ path: join(dir, 'cut-2.flv'), appended: false })
    expect(readFileSync(join(dir, 'cut.flv')).length).toBe(bytes.length - 5)
  })
})

describe('recordAll', () => {
  it('records every stream published on a router into the directory until stopped', async () => {
    const router = new LiveRouter()
    const publish = router.publish
    const rec = recordAll(router, { dir, filter: (_app, name) => name !== 'private' })
    const closed: RecordedFile[] = []
    rec.on('fileClose', (f) => closed.push(f))
    const cam = router.publish('live', 'cam')!
    const other = router.publish('live', 'private')!
    expect([...rec.recorders.keys()]).toEqual(['live/cam'])
    for (const t of syntheticTags({ durationMs: 800 })) {
      cam.write(asMessage(t))
      other.write(asMessage(t))
    }
    cam.end()
    await once(rec, 'fileClose')
    expect(closed[0]!.path).toMatch(new RegExp(`^${dir}/live/cam-\\d{4}-\\d\\d-\\d\\d-\\d{6}\\.flv$`))
    expect(media(readTags(closed[0]!.path))).toHaveLength(media(syntheticTags({ durationMs: 800 })).length)
    expect(rec.recorders.size).toBe(0)
    // a stream live when stop() is called is finished too; the router is left as it was
    const again = router.publish('live', 'cam')!
    for (const t of syntheticTags({ durationMs: 400 })) again.write(asMessage(t))
    await rec.stop()
    expect(router.publish).toBe(publish)
    expect(Object.prototype.hasOwnProperty.call(router, 'publish')).toBe(false)
    expect(closed).toHaveLength(2)
    expect(readdirSync(join(dir, 'live'))).toHaveLength(2)
    again.end()
    other.end()
  })

  it('also takes a server (its live router) and records streams already live', async () => {
    const router = new LiveRouter()
    const pub = router.publish('live', 'early')!
    const rec = recordAll({ live: router }, { dir, mode: 'append' })
    expect([...rec.recorders.keys()]).toEqual(['live/early'])
    for (const t of syntheticTags({ durationMs: 800 })) pub.write(asMessage(t))
    pub.end()
    const [file] = (await once(rec, 'fileClose')) as [RecordedFile]
    expect(file.path).toBe(join(dir, 'live', 'early.flv'))
    await rec.stop()
    expect(() => recordAll({ live: undefined }, { dir })).toThrow(expect.objectContaining({ code: 'RTMP_ERR_INVALID_STATE' }))
  })
})
