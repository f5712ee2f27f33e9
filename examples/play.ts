// Play a stream and save it as FLV, showing progress (bitrate, frames, codecs).
//   npm run example -- play rtmp://127.0.0.1/live/stream --out capture.flv [--seconds 10]
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { FlvWriter, RtmpClient, audioInfo, parseAvcConfig, videoInfo, type MediaMessage } from 'rtmp-kit'

/** What the progress line shows. */
class Progress {
  frames = 0
  audioFrames = 0
  bytes = 0
  video = '-'
  audio = '-'
  private lastBytes = 0
  private lastTime = Date.now()

  add(msg: MediaMessage): void {
    this.bytes += msg.data.length
    if (msg.type === 'video') {
      const info = videoInfo(msg.data)
      if (info?.isSequenceHeader && info.codec === 'avc') {
        const avc = parseAvcConfig(msg.data.subarray(info.payloadOffset))
        this.video = `h264 ${avc.width}x${avc.height}`
      } else if (info?.isSequenceHeader) this.video = String(info.codec)
      else if (info && !info.isEndOfSequence) this.frames++
    } else if (msg.type === 'audio') {
      const info = audioInfo(msg.data)
      if (info?.isSequenceHeader) this.audio = String(info.codec)
      else if (info) this.audioFrames++
    }
  }

  line(): string {
    const now = Date.now()
    const kbps = ((this.bytes - this.lastBytes) * 8) / Math.max(1, now - this.lastTime)
    this.lastBytes = this.bytes
    this.lastTime = now
    return `video ${this.video} ${this.frames} frames | audio ${this.audio} ${this.audioFrames} frames | ${kbps.toFixed(0)} kbit/s | ${(this.bytes / 1024).toFixed(0)} KiB`
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      seconds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const url = positionals[0]
  if (values.help || !url || !values.out) {
    console.log('usage: npm run example -- play <rtmp://host/app/stream> --out <file.flv> [--seconds N]')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  if (values.seconds) setTimeout(() => stop.abort(), Number(values.seconds) * 1000).unref()

  const client = await RtmpClient.connect(url, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]) })
  const player = await client.play(undefined, { signal: stop.signal })
  player.on('status', (s) => console.log(`status: ${s.code}`))
  const file = createWriteStream(values.out)
  const flv = new FlvWriter()
  const progress = new Progress()
  let tags = 0
  stop.signal.addEventListener('abort', () => player.close())
  const tty = process.stdout.isTTY
  const timer = setInterval(() => (tty ? process.stdout.write(`\r${progress.line()}\x1b[K`) : console.log(progress.line())), tty ? 500 : 2000)
  try {
    for await (const msg of player) {
      for (const piece of flv.writeMessage(msg)) {
        if (!file.write(piece)) await once(file, 'drain')
      }
      progress.add(msg)
      tags++
    }
  } finally {
    clearInterval(timer)
    if (tty) process.stdout.write('\n')
    file.end()
    await once(file, 'close')
    await client.close()
  }
  console.log(`saved ${tags} tags (${(progress.bytes / 1024).toFixed(0)} KiB) to ${values.out}: ${progress.line()}`)
}
