// A live server that records every published stream to FLV files.
//   npm run example -- record --dir recordings [--mode new|append] [--port 1935] [--host 127.0.0.1]
import { parseArgs } from 'node:util'
import { createServer, recordAll } from 'rtmp-kit'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      mode: { type: 'string', default: 'new' },
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const mode = values.mode
  if (values.help || !values.dir || (mode !== 'new' && mode !== 'append')) {
    console.log('usage: npm run example -- record --dir <directory> [--mode new|append] [--port 1935] [--host 127.0.0.1]')
    console.log('  new: a file per publish (<app>/<name>-<date>-<time>.flv); append: one file per stream (<app>/<name>.flv)')
    process.exitCode = values.help ? 0 : 2
    return
  }

  const server = createServer()
  const recordings = recordAll(server, { dir: values.dir, mode })
  recordings.on('fileOpen', (path) => console.log(`recording ${path}`))
  recordings.on('fileClose', (f) => console.log(`finished ${f.path}: ${(f.durationMs / 1000).toFixed(1)} s, ${f.bytes} bytes`))
  recordings.on('recordingError', (err) => console.error(`recording failed: ${err.code}: ${err.message}`))

  const address = await server.listen({ port: Number(values.port), host: values.host })
  console.log(`publish to rtmp://${address.address}:${address.port}/live/<name>; files go to ${values.dir}`)

  await new Promise<void>((resolve) => {
    const stop = (): void => void recordings.stop().then(() => server.close()).then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
