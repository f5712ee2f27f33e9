// Play a stream and save it as FLV.
//   npm run example -- play rtmp://127.0.0.1/live/stream --out capture.flv [--seconds 10]
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { FlvWriter, RtmpClient } from 'rtmp-kit'

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
  let tags = 0
  let bytes = 0
  stop.signal.addEventListener('abort', () => player.close())
  const progress = setInterval(() => console.log(`${tags} tags, ${(bytes / 1024).toFixed(0)} KiB`), 2000)
  try {
    for await (const msg of player) {
      for (const piece of flv.writeMessage(msg)) {
        if (!file.write(piece)) await once(file, 'drain')
      }
      tags++
      bytes += msg.data.length
    }
  } finally {
    clearInterval(progress)
    file.end()
    await once(file, 'close')
    await client.close()
  }
  console.log(`saved ${tags} tags (${(bytes / 1024).toFixed(0)} KiB) to ${values.out}`)
}
