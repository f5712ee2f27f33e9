// Our server as the bench runs it, in its own process: RtmpServer with its defaults (built-in live router,
// GOP cache on, chunk size 4096), listening on 127.0.0.1:<port>. Nothing else runs in this process.
//   node fanout-server.mjs <port> [RtmpServerOptions as JSON]
// RTMP_KIT_BENCH_SERVER_OPTIONS (JSON) adds RtmpServerOptions, e.g. '{"writeBatchMs":10}'.
import { createServer, type RtmpServerOptions } from 'rtmp-kit'

const port = Number(process.argv[2])
const server = createServer({
  ...(JSON.parse(process.env.RTMP_KIT_BENCH_SERVER_OPTIONS || '{}') as RtmpServerOptions),
  ...(JSON.parse(process.argv[3] || '{}') as RtmpServerOptions),
})
await server.listen({ port, host: '127.0.0.1' })
console.log(`rtmp-kit listening on 127.0.0.1:${port}`)
const stop = (): void => void server.close().then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

// RTMP_KIT_BENCH_STATS_MS: the live streams' drop counters, the event loop's delay and memory every that many ms, to
// the server's log (diagnostics: were players gated or dropped, did the loop stall).
const statsMs = Number(process.env.RTMP_KIT_BENCH_STATS_MS ?? 0)
if (statsMs > 0) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks')
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  setInterval(() => {
    const streams = server.live?.stats() ?? []
    const s = streams.map((x) => `${x.name}: ${x.subscribers} subs (${x.fanout.laneSubscribers} in lanes), ${x.droppedFrames} frames dropped, ${x.slowSubscribersDropped} slow dropped`)
    const ms = (n: number): string => (n / 1e6).toFixed(1)
    const m = process.memoryUsage()
    const mb = (n: number): string => (n / 1e6).toFixed(1)
    const mem = `rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} MB`
    console.log(`[stats] ${s.join('; ')}; loop delay p50 ${ms(loop.percentile(50))} p99 ${ms(loop.percentile(99))} max ${ms(loop.max)} ms; ${mem}`)
    loop.reset()
  }, statsMs).unref()
}
