// A live RTMP server: publish from OBS or ffmpeg, watch with ffplay or VLC.
//   npm start -- [--port 1935] [--host 127.0.0.1]
import { createServer } from 'rtmp-kit'
import { parseArgs } from 'node:util'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log('usage: npm start -- [--port 1935] [--host 127.0.0.1]')
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

  const address = await server.listen({ port: Number(values.port), host: values.host })
  const base = `rtmp://${address.address}:${address.port}/live`
  console.log(`RTMP server listening on ${address.address}:${address.port}`)
  console.log(`publish: ffmpeg -re -i input.mp4 -c copy -f flv ${base}/stream`)
  console.log(`         (OBS: server ${base}, stream key "stream")`)
  console.log(`watch:   ffplay ${base}/stream`)

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      console.log('\nclosing...')
      void server.close().then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
