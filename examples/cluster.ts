// One RTMP server per core with node:cluster. Node serves from one thread; here N worker processes share the
// public port (the primary hands them connections round-robin). A small registry in the primary knows which
// worker has each stream's publisher; a player that lands on another worker is served by a pull from the
// publisher's worker over loopback, one pull per worker and stream however many players it has there.
//   npm run example -- cluster [--port 1935] [--host 127.0.0.1] [--workers N]
import cluster, { type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { StreamRegistry, type FromWorker, type ToWorker } from './cluster/registry'
import { runWorker } from './cluster/worker'

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1935' },
      host: { type: 'string', default: '127.0.0.1' },
      workers: { type: 'string', default: String(availableParallelism()) },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const count = Number(values.workers)
  if (values.help || !(Number.isInteger(count) && count >= 1)) {
    console.log('usage: npm run example -- cluster [--port 1935] [--host 127.0.0.1] [--workers N (default: one per core)]')
    process.exitCode = values.help ? 0 : 2
    return
  }
  // cluster.fork() runs this same script with the same arguments: the workers arrive here too
  if (cluster.isWorker) return runWorker(values.host, Number(values.port))
  return runPrimary(values.host, Number(values.port), count)
}

async function runPrimary(host: string, port: number, count: number): Promise<void> {
  const log = (line: string): void => console.log(`[primary] ${line}`)
  cluster.schedulingPolicy = cluster.SCHED_RR // the default, except on Windows
  const registry = new StreamRegistry()
  const alive = new Set<Worker>()
  const ready = new Set<Worker>()
  const send = (worker: Worker, m: ToWorker): void => void (worker.isConnected() && worker.send(m))
  const broadcast = (): void => {
    const m: ToWorker = { type: 'streams', streams: registry.list() }
    for (const w of ready) send(w, m)
  }

  let announced = false
  const fork = (): void => {
    const worker = cluster.fork()
    alive.add(worker)
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        registry.addWorker(worker.id, m.port)
        ready.add(worker)
        send(worker, { type: 'streams', streams: registry.list() })
        if (!announced && ready.size === count) {
          announced = true
          log(`${count} workers on rtmp://${host}:${port}/<app>/<name>`)
        }
      } else if (m.type === 'claim') {
        const ok = registry.claim(worker.id, m.app, m.name)
        send(worker, { type: 'claimed', id: m.id, ok })
        if (ok) broadcast()
      } else if (m.type === 'release') {
        if (registry.release(worker.id, m.app, m.name)) broadcast()
      }
    })
  }

  let stopping = false
  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => (stopped = resolve))
  const stop = (): void => {
    if (stopping) return
    stopping = true
    log('closing...')
    for (const w of alive) send(w, { type: 'stop' })
    setTimeout(() => alive.forEach((w) => w.kill('SIGKILL')), 10_000).unref()
    if (alive.size === 0) stopped()
  }
  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker)
    const started = ready.delete(worker)
    if (registry.dropWorker(worker.id)) broadcast() // its publishers are gone; pulls from it stop or move
    if (stopping) return void (alive.size === 0 && stopped())
    if (!started) {
      log(`worker ${worker.id} failed to start (${code ?? signal}); stopping`)
      process.exitCode = 1
      return stop()
    }
    log(`worker ${worker.id} died (${code ?? signal}); starting another`)
    fork()
  })
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  for (let i = 0; i < count; i++) fork()
  await done
}
