// A live server that lets in only publishers with the key (or a user name and password) and players with a
// signed, expiring token.
//   npm run example -- auth-server --token-secret SECRET (--publish-key KEY | --user NAME --password PASS) [--port 1935] [--host 127.0.0.1]
// Publish: rtmp://127.0.0.1/live/cam1?key=KEY  or  rtmp://NAME:PASS@127.0.0.1/live/cam1 (Adobe challenge auth, as
// ffmpeg and OBS do it).  Play: the signed URL printed when a stream starts.
import { parseArgs } from 'node:util'
import { adobeAuth, createServer, isEncoderConnect, keysEqual, signedStreamName, verifyStream } from 'rtmp-kit'

const USAGE =
  'usage: npm run example -- auth-server --token-secret SECRET (--publish-key KEY | --user NAME --password PASS) [--token-ttl 3600] [--port 1935] [--host 127.0.0.1]'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'publish-key': { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'token-secret': { type: 'string' },
      'token-ttl': { type: 'string', default: '3600' },
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const publishKey = values['publish-key']
  const secret = values['token-secret']
  const { user, password } = values
  const login = user !== undefined || password !== undefined
  if (values.help || !secret || (!publishKey && !login) || (login && (!user || !password))) {
    console.log(USAGE)
    process.exitCode = values.help ? 0 : 2
    return
  }

  const server = createServer()
  const address = await server.listen({ port: Number(values.port), host: values.host })
  const base = `rtmp://${address.address}:${address.port}`
  // encoders (flashVer FMLE/…: ffmpeg, OBS) must log in; players connect as before and need a signed token
  const auth = login ? adobeAuth({ password: (name) => (name === user ? password : undefined), required: isEncoderConnect }) : undefined

  server.on('connection', (conn) => {
    if (auth) conn.on('connect', auth)
    conn.on('publish', (req) => {
      if (auth && auth.userOf(conn) === undefined) {
        console.log(`refused publisher of ${req.app}/${req.streamName} from ${conn.remoteAddress ?? '?'}: not logged in`)
        return req.reject('NetStream.Publish.BadName', 'log in to publish')
      }
      // the key may come in the stream name (cam1?key=…) or in the connect URL (live?key=…)
      const key = req.query.key ?? conn.query.key ?? ''
      if (publishKey && !keysEqual(key, publishKey)) {
        console.log(`refused publisher of ${req.app}/${req.streamName} from ${conn.remoteAddress ?? '?'}`) // never log the key
        return req.reject('NetStream.Publish.BadName', 'invalid publishing key')
      }
      server.live?.handlePublish(req)
      const name = signedStreamName({ secret, app: req.app, streamName: req.streamName, ttlSeconds: Number(values['token-ttl']) })
      const by = auth ? ` by ${auth.userOf(conn)}` : ''
      console.log(`${req.app}/${req.streamName} is live${by}; watch: ffplay "${base}/${req.app}/${name}"`)
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

  const publishUrl = login ? `rtmp://${user}:<password>@${address.address}:${address.port}/live/<name>${publishKey ? '?key=<publish key>' : ''}` : `${base}/live/<name>?key=<publish key>`
  console.log(`auth server on ${address.address}:${address.port}; publish to ${publishUrl}`)
  await new Promise<void>((resolve) => {
    const stop = (): void => void server.close().then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
