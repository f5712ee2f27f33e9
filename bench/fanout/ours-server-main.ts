// Our server as the bench runs it, in its own process: RtmpServer with its defaults (built-in live router,
// GOP cache on, chunk size 4096), listening on 127.0.0.1:<port>. Nothing else runs in this process.
//   node fanout-server.mjs <port>
// RTMP_KIT_BENCH_SERVER_OPTIONS (JSON) adds RtmpServerOptions, e.g. '{"writeBatchMs":10}'.
import { createServer, type RtmpServerOptions } from 'rtmp-kit'

const port = Number(process.argv[2])
const server = createServer(JSON.parse(process.env.RTMP_KIT_BENCH_SERVER_OPTIONS || '{}') as RtmpServerOptions)
await server.listen({ port, host: '127.0.0.1' })
console.log(`rtmp-kit listening on 127.0.0.1:${port}`)
const stop = (): void => void server.close().then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
