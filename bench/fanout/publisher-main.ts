// The publisher process: publishes a real H.264/AAC FLV file to the server under test in a loop (timestamps
// keep growing), either at real-time pace (TagPacer, like `ffmpeg -re`) or as fast as the server takes it
// (the socket's backpressure is the only brake). Built on the sans-IO client core, like the players.
//   node fanout-publisher.mjs <rtmp url of the stream> <file.flv> realtime|fast
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { TagPacer, encodeAmf0, isSequenceHeader, readFlvFile, type ClientSessionEvent, type FlvTag } from 'rtmp-kit'
import { ClientConnection } from './client-connection'
import type { FromPublisher, ToPublisher } from './ipc'

const [url, file, mode] = process.argv.slice(2)
const send = (msg: FromPublisher): void => void process.send?.(msg)
let mediaBytes = 0
let stopping = false

process.on('message', (msg: ToPublisher) => {
  if (msg.type === 'mark') send({ type: 'marked', id: msg.id, mediaBytes })
  else stopping = true
})
process.on('disconnect', () => (stopping = true))

try {
  if (url === undefined || file === undefined || (mode !== 'realtime' && mode !== 'fast')) {
    throw new Error('usage: fanout-publisher <url> <file.flv> realtime|fast')
  }
  const flv = readFlvFile(new Uint8Array(readFileSync(file)))
  if (flv.error) throw flv.error
  await publish(new URL(url), flv.tags, mode === 'fast')
  process.exit(0)
} catch (err) {
  const error = err instanceof Error ? err.message : String(err)
  process.stderr.write(`[publisher] ${error}\n`)
  send({ type: 'failed', error })
  setTimeout(() => process.exit(1), 100)
}

/** Connects, publishes, then sends the tags until told to stop. @throws when the server refuses or the connection ends */
async function publish(url: URL, tags: readonly FlvTag[], fast: boolean): Promise<void> {
  const [app, stream] = url.pathname.slice(1).split('/') as [string, string]
  let streamId = 0
  let failure: string | undefined
  let started: () => void = () => {}
  const publishing = new Promise<void>((resolve) => (started = resolve))
  const c: ClientConnection = new ClientConnection(
    { host: url.hostname, port: Number(url.port), app },
    {
      event: (e: ClientSessionEvent) => {
        if (e.type === 'connected') c.run(c.session.createStream().actions)
        else if (e.type === 'streamCreated') {
          streamId = e.streamId
          c.run(c.session.publish(streamId, stream, 'live'))
        } else if (e.type === 'status' && e.status.code === 'NetStream.Publish.Start') started()
        else if (e.type === 'connectRejected' || (e.type === 'status' && e.status.level === 'error')) c.end(`refused: ${e.status.code}`)
      },
      ended: (reason) => {
        failure = reason
        started() // wakes the wait below, which then sees the failure
      },
    },
    'FMLE/3.0 (compatible; rtmp-kit bench)',
  )
  const timer = setTimeout(() => c.end('no NetStream.Publish.Start within 15 s'), 15_000)
  await publishing
  clearTimeout(timer)
  if (failure !== undefined) throw new Error(failure)
  send({ type: 'publishing' })

  const setDataFrame = encodeAmf0(['@setDataFrame'])
  const pacer = new TagPacer()
  const loopMs = loopDuration(tags)
  let sent = 0
  for (let loop = 0; !stopping; loop++) {
    for (const tag of tags) {
      if (stopping) break
      if (failure !== undefined) throw new Error(failure)
      // metadata and sequence headers once; later loops repeat only the frames
      const kind = tag.type === 8 ? 'audio' : tag.type === 9 ? 'video' : 'data'
      if (loop > 0 && (kind === 'data' || isSequenceHeader(kind, tag.data))) continue
      const timestamp = (tag.timestamp + loop * loopMs) >>> 0
      if (!fast) {
        const wait = pacer.delay(timestamp, performance.now())
        if (wait > 0) await sleep(wait)
      }
      let flowing: boolean
      if (kind === 'audio') flowing = c.run(c.session.sendAudio(streamId, timestamp, tag.data))
      else if (kind === 'video') flowing = c.run(c.session.sendVideo(streamId, timestamp, tag.data))
      else flowing = c.run(c.session.sendDataPayload(streamId, timestamp, concat(setDataFrame, tag.data)))
      if (kind !== 'data') mediaBytes += tag.data.length
      if (!flowing) await c.drained()
      else if (fast && ++sent % 32 === 0) await new Promise((resolve) => setImmediate(resolve)) // let IPC marks in
    }
  }
  c.end('stopped')
}

/** Media time of one pass over the file: the last timestamp plus one video frame interval. */
function loopDuration(tags: readonly FlvTag[]): number {
  const video = tags.filter((t) => t.type === 9)
  const last = Math.max(...tags.map((t) => t.timestamp))
  const step = video.length > 1 ? Math.round((video[video.length - 1]!.timestamp - video[0]!.timestamp) / (video.length - 1)) : 40
  return last + step
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
