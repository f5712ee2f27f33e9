// An edge server: plays streams from an origin when a local player asks for them, and fans them out.
//   npm run example -- edge --origin rtmp://origin.example:1935 [--port 1936] [--host 127.0.0.1]
import { parseArgs } from 'node:util'
import { createEdge, createServer } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      origin: { type: 'string' },
      port: { type: 'string', default: '1936' },
      host: { type: 'string', default: '127.0.0.1' },
      linger: { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.origin) {
    console.log('usage: npm run example -- edge --origin <rtmp://origin[:port]> [--port 1936] [--host 127.0.0.1] [--linger ms]')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const edge = createEdge({ origin: values.origin, linger: Number(values.linger) })
  const server = createServer()
  edge.attach(server)
  edge.on('status', (status, stream) => {
    const detail = status.state === 'retrying' ? ` (${status.error.code}; retry in ${status.delay} ms)` : ''
    console.log(`${stream.app}/${stream.streamName} from ${stream.origin}: ${status.state}${detail}`)
  })

  const address = await server.listen({ port: Number(values.port), host: values.host })
  console.log(`edge of ${values.origin} on rtmp://${address.address}:${address.port}/<app>/<name>`)

  await new Promise<void>((resolve) => {
    const stop = (): void => void edge.close().then(() => server.close()).then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
