// Publish an FLV file to an RTMP server, optionally at real-time pace and in a loop.
//   npm run example -- publish input.flv rtmp://127.0.0.1/live/stream [--realtime] [--loop]
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { RtmpClient, TagPacer, readFlvFile } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      realtime: { type: 'boolean', default: false },
      loop: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [path, url] = positionals
  if (values.help || !path || !url) {
    console.log('usage: npm run example -- publish <file.flv> <rtmp://host/app/stream> [--realtime] [--loop]')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const file = readFlvFile(await readFile(path))
  if (file.error) console.warn(`${path}: ${file.error.message}; publishing the ${file.tags.length} tags before it`)
  if (file.tags.length === 0) throw new Error(`${path} has no tags`)
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())

  const client = await RtmpClient.connect(url, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]) })
  const pub = await client.publish(undefined, { signal: stop.signal })
  console.log(`publishing ${path} (${file.tags.length} tags) to ${url}`)

  const last = file.tags[file.tags.length - 1]!.timestamp
  let offset = 0 // timestamps keep growing across loops
  const pacer = new TagPacer()
  try {
    do {
      for (const tag of file.tags) {
        if (stop.signal.aborted) break
        const timestamp = (tag.timestamp + offset) >>> 0
        if (values.realtime) {
          const wait = pacer.delay(timestamp, performance.now())
          if (wait > 0) await sleep(wait)
        }
        const type = tag.type === 8 ? 'audio' : tag.type === 9 ? 'video' : 'data'
        await pub.write({ type, timestamp, data: tag.data })
      }
      offset += last + 40
    } while (values.loop && !stop.signal.aborted)
  } finally {
    await pub.close()
    await client.close()
  }
  console.log('done')
}
