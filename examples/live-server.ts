// A live RTMP server: publish from OBS or ffmpeg, watch with ffplay or VLC.
//   npm start -- [--port 1935] [--host 127.0.0.1] [--record DIR] [--stats-port 8080] [--tls-cert F --tls-key F [--tls-port 1936]]
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { parseArgs } from 'node:util'
import { createServer, recordAll } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      record: { type: 'string' },
      'stats-port': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-port': { type: 'string', default: '1936' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log('usage: npm start -- [--port 1935] [--host 127.0.0.1] [--record DIR] [--stats-port 8080] [--tls-cert F --tls-key F [--tls-port 1936]]')
    console.log('  --record DIR       record every published stream to DIR/<app>/<name>-<date>-<time>.flv')
    console.log('  --stats-port PORT  serve GET /stats (server and stream statistics as JSON) on the same host')
    console.log('  --tls-cert FILE --tls-key FILE  also serve RTMPS (PEM certificate and key) on --tls-port')
    return
  }

  const server = createServer({ chunkSize: 4096 })
  server.on('connection', (conn) => {
    const peer = `${conn.remoteAddress ?? 'peer'}:${conn.remotePort ?? ''}`
    conn.on('publish', (req) => {
      console.log(`${peer} publishes ${req.app}/${req.streamName}`)
      server.live?.handlePublish(req) // the built-in router; reject here to refuse
    })
    conn.on('play', (req) => {
      console.log(`${peer} plays ${req.app}/${req.streamName}`)
      server.live?.handlePlay(req)
    })
    conn.on('close', (err) => console.log(`${peer} left${err ? ` (${err.code}: ${err.message})` : ''}`))
  })
  server.on('connectionError', (err) => console.error(`session error ${err.code}: ${err.message}`))

  const recordings = values.record ? recordAll(server, { dir: values.record }) : undefined
  recordings?.on('fileClose', (f) => console.log(`recorded ${f.path} (${(f.durationMs / 1000).toFixed(1)} s)`))
  recordings?.on('recordingError', (err) => console.error(`recording: ${err.code}: ${err.message}`))

  const address = await server.listen({ port: Number(values.port), host: values.host })
  const base = `rtmp://${address.address}:${address.port}/live`
  console.log(`RTMP server listening on ${address.address}:${address.port}`)
  console.log(`publish: ffmpeg -re -i input.mp4 -c copy -f flv ${base}/stream`)
  console.log(`         (OBS: server ${base}, stream key "stream")`)
  console.log(`watch:   ffplay ${base}/stream`)
  if (values['tls-cert'] && values['tls-key']) {
    const tls = { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) }
    const secure = await server.listen({ port: Number(values['tls-port']), host: values.host, tls })
    console.log(`RTMPS on ${secure.address}:${secure.port}: ffmpeg ... -f flv rtmps://${secure.address}:${secure.port}/live/stream`)
  }

  const stats = values['stats-port']
    ? createHttpServer((req, res) => {
        if (req.url !== '/stats') return void res.writeHead(404).end()
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ server: server.stats(), streams: server.live?.stats() ?? [] }, null, 2))
      })
    : undefined
  if (stats) {
    await new Promise<void>((resolve) => stats.listen(Number(values['stats-port']), values.host, resolve))
    console.log(`stats:   curl http://${values.host}:${values['stats-port']}/stats`)
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      console.log('\nclosing...')
      stats?.close()
      void Promise.all([recordings?.stop(), server.close()]).then(() => resolve())
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
