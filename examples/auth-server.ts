// A live server that lets in only publishers with the key and players with a signed, expiring token.
//   npm run example -- auth-server --publish-key KEY --token-secret SECRET [--port 1935] [--host 127.0.0.1]
// Publish: rtmp://127.0.0.1/live/cam1?key=KEY      Play: the signed URL printed when a stream starts.
import { parseArgs } from 'node:util'
import { createServer, keysEqual, signedStreamName, verifyStream } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'publish-key': { type: 'string' },
      'token-secret': { type: 'string' },
      'token-ttl': { type: 'string', default: '3600' },
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const publishKey = values['publish-key']
  const secret = values['token-secret']
  if (values.help || !publishKey || !secret) {
    console.log('usage: npm run example -- auth-server --publish-key KEY --token-secret SECRET [--token-ttl 3600] [--port 1935] [--host 127.0.0.1]')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const server = createServer()
  const address = await server.listen({ port: Number(values.port), host: values.host })
  const base = `rtmp://${address.address}:${address.port}`

  server.on('connection', (conn) => {
    conn.on('publish', (req) => {
      // the key may come in the stream name (cam1?key=…) or in the connect URL (live?key=…)
      const key = req.query.key ?? conn.query.key ?? ''
      if (!keysEqual(key, publishKey)) {
        console.log(`refused publisher of ${req.app}/${req.streamName} from ${conn.remoteAddress ?? '?'}`) // never log the key
        return req.reject('NetStream.Publish.BadName', 'invalid publishing key')
      }
      server.live?.handlePublish(req)
      const name = signedStreamName({ secret, app: req.app, streamName: req.streamName, ttlSeconds: Number(values['token-ttl']) })
      console.log(`${req.app}/${req.streamName} is live; watch: ffplay "${base}/${req.app}/${name}"`)
    })
    conn.on('play', (req) => {
      const check = verifyStream({ secret, app: req.app, streamName: req.streamName, query: req.query })
      if (!check.ok) {
        console.log(`refused player of ${req.app}/${req.streamName}: ${check.reason}`)
        return req.reject('NetStream.Play.Failed', `access denied (${check.reason})`)
      }
      server.live?.handlePlay(req)
    })
  })

  console.log(`auth server on ${address.address}:${address.port}; publish to ${base}/live/<name>?key=<publish key>`)
  await new Promise<void>((resolve) => {
    const stop = (): void => void server.close().then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
