// Live streams over HTTP-FLV (what flv.js / mpegts.js play in browsers), next to RTMP.
//   npm run example -- http-flv [--port 1935] [--http-port 8080] [--host 127.0.0.1]
// Publish to rtmp://HOST:1935/live/NAME, watch http://HOST:8080/live/NAME.flv (ffplay, VLC, flv.js).
import { createServer as createHttpServer } from 'node:http'
import { parseArgs } from 'node:util'
import { FlvStreamSink, createServer } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1935' },
      'http-port': { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log('usage: npm run example -- http-flv [--port 1935] [--http-port 8080] [--host 127.0.0.1]')
    return
  }

  const rtmp = createServer() // publishers and RTMP players go through the built-in live router
  const live = rtmp.live!
  const http = createHttpServer((req, res) => {
    // /app/name.flv → the live stream app/name, from its cached GOP so playback starts at once
    const match = /^\/([^/?]+)\/([^/?]+)\.flv(?:\?.*)?$/.exec(req.url ?? '')
    if (req.method !== 'GET' || !match) return void res.writeHead(404).end()
    const [, app, name] = match.map((s) => decodeURIComponent(s))
    res.writeHead(200, { 'content-type': 'video/x-flv', 'access-control-allow-origin': '*', 'cache-control': 'no-cache' })
    const subscription = live.subscribe(app!, name!, new FlvStreamSink(res))
    res.once('close', () => subscription.unsubscribe())
  })

  const address = await rtmp.listen({ port: Number(values.port), host: values.host })
  await new Promise<void>((resolve) => http.listen(Number(values['http-port']), values.host, resolve))
  console.log(`publish: ffmpeg -re -i input.mp4 -c copy -f flv rtmp://${address.address}:${address.port}/live/stream`)
  console.log(`watch:   ffplay http://${values.host}:${values['http-port']}/live/stream.flv`)

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      http.closeAllConnections()
      http.close()
      void rtmp.close().then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
