// One ingest, many destinations: every stream published here is forwarded to each --to URL.
//   npm run example -- restream --to rtmp://a.example/live/KEY --to rtmp://b.example/app [--port 1935] [--host 127.0.0.1]
// A destination URL without a stream name gets the published stream's name.
import { parseArgs } from 'node:util'
import { createServer, pushRelay, type PushRelay } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string', multiple: true },
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const destinations = values.to ?? []
  if (values.help || destinations.length === 0) {
    console.log('usage: npm run example -- restream --to <rtmp url> [--to <rtmp url> ...] [--port 1935] [--host 127.0.0.1]')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const server = createServer()
  const live = server.live!
  const relays = new Map<string, PushRelay>()
  // one relay per stream, made when it is first published; it follows later publishers of the same name
  live.addHooks({
    onPublish: (app, name) => {
      const key = `${app}/${name}`
      if (relays.has(key)) return
      const relay = pushRelay(live, app, name, destinations)
      relay.on('status', (status, dest) => {
        const detail = status.state === 'retrying' ? ` (${status.error.code}; retry in ${status.delay} ms)` : ''
        console.log(`${key} → ${dest.url}: ${status.state}${detail}`)
      })
      relays.set(key, relay)
    },
  })

  const address = await server.listen({ port: Number(values.port), host: values.host })
  console.log(`publish to rtmp://${address.address}:${address.port}/live/<name>; forwarding to ${destinations.join(', ')}`)

  await new Promise<void>((resolve) => {
    const stop = (): void => void Promise.all([...relays.values()].map((r) => r.stop())).then(() => server.close()).then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
