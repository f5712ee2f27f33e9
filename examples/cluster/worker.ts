// One worker of the cluster example: an RtmpServer with its live router on the shared public port, plus a
// loopback port from which the other workers pull the streams published here.
import cluster from 'node:cluster'
import { createServer as createNetServer } from 'node:net'
import { createEdge, createServer, LiveRouter, type PublishRequest, type ServerConnection } from 'rtmp-kit'
import type { FromWorker, StreamOwner, ToWorker } from './registry'

export async function runWorker(host: string, port: number): Promise<void> {
  const id = cluster.worker?.id ?? 0
  const log = (line: string): void => console.log(`[worker ${id}] ${line}`)
  const send = (m: FromWorker): void => void (process.connected && process.send?.(m))

  const server = createServer({ chunkSize: 4096 })
  const router = server.live!
  /** the primary's registry, as last sent: `LiveRouter.keyOf(app, name)` → owner */
  let owners = new Map<string, StreamOwner>()
  /** streams whose RTMP publisher is on this worker: the only ones the loopback port serves */
  const mine = new Set<string>()
  /** connections that came in on the loopback port (other workers' pulls) */
  const links = new WeakSet<ServerConnection>()
  // The loopback listener is this worker's own (`exclusive`), not shared through the primary like the public one.
  const loopback = createNetServer((socket) => {
    socket.setNoDelay(true)
    links.add(server.handle(socket))
  })

  // A player here for a stream published on another worker: pull it from that worker's loopback port,
  // once for all the players here, until `linger` ms after the last one left.
  const edge = createEdge({
    origin: (app, name) => {
      const owner = owners.get(LiveRouter.keyOf(app, name))
      return owner && owner.worker !== id ? `rtmp://127.0.0.1:${owner.port}/${app}/${name}` : undefined
    },
    linger: 2000,
    backoff: { initialDelay: 100, maxDelay: 2000 },
  })
  edge.attach(server)
  edge.on('status', (status, s) => log(`pull ${s.app}/${s.streamName} from ${s.origin || '?'}: ${status.state}${'reason' in status ? ` (${status.reason})` : ''}`))

  // Claims come back in order; one pending answer per claim id.
  let claims = 0
  const answers = new Map<number, (ok: boolean) => void>()
  const claim = (app: string, name: string): Promise<boolean> =>
    new Promise((resolve) => {
      answers.set(++claims, resolve)
      send({ type: 'claim', id: claims, app, name })
    })

  async function publish(req: PublishRequest): Promise<void> {
    const { app, streamName } = req
    const key = LiveRouter.keyOf(app, streamName)
    const granted = await claim(app, streamName)
    const release = (): void => send({ type: 'release', app, name: streamName })
    if (req.state !== 'pending') return void (granted && release()) // timed out meanwhile
    if (!granted) return req.reject('NetStream.Publish.BadName', `${app}/${streamName} is already being published`)
    const publisher = router.publish(app, streamName)
    if (!publisher) {
      release()
      return req.reject('NetStream.Publish.BadName', `${app}/${streamName} is still live here`)
    }
    mine.add(key)
    log(`publishes ${app}/${streamName}`)
    const stream = req.accept()
    const end = (): void => {
      mine.delete(key)
      publisher.end()
      release()
    }
    if (stream.ended) return end()
    stream.on('media', (msg) => publisher.write(msg))
    stream.once('end', end)
  }

  server.on('connection', (conn) => {
    const link = links.has(conn)
    conn.on('publish', (req) => {
      if (link) return req.reject('NetStream.Publish.BadName', 'the loopback port only serves other workers')
      void publish(req)
    })
    conn.on('play', (req) => {
      if (!link) log(`${conn.remoteAddress ?? 'peer'}:${conn.remotePort ?? ''} plays ${req.app}/${req.streamName}`)
      // another worker pulls: only what is published here, so pulls never chain from worker to worker
      if (link && !mine.has(LiveRouter.keyOf(req.app, req.streamName))) return req.reject('NetStream.Play.StreamNotFound', 'not published on this worker')
      router.handlePlay(req)
    })
  })
  server.on('connectionError', (err) => log(`session error ${err.code}: ${err.message}`))

  /** The registry changed: players waiting here for a stream now published elsewhere get it pulled. */
  function update(streams: readonly StreamOwner[]): void {
    owners = new Map(streams.map((o) => [LiveRouter.keyOf(o.app, o.name), o]))
    for (const o of streams) {
      const local = router.get(o.app, o.name)
      if (o.worker !== id && local && local.subscriberCount > 0 && !local.publishing) edge.demand(o.app, o.name)
    }
  }

  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => (stopped = resolve))
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void edge
      .close()
      .then(() => Promise.all([server.close(), new Promise((resolve) => loopback.close(resolve))]))
      .then(() => stopped())
  }
  process.on('message', (m: ToWorker) => {
    if (m.type === 'claimed') {
      answers.get(m.id)?.(m.ok)
      answers.delete(m.id)
    } else if (m.type === 'streams') update(m.streams)
    else if (m.type === 'stop') stop()
  })
  process.once('SIGINT', stop) // Ctrl-C reaches every process of the group
  process.once('SIGTERM', stop)

  await new Promise<void>((resolve, reject) => {
    loopback.once('error', reject)
    loopback.listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve)
  })
  await server.listen({ port, host }) // cluster: the primary holds this port and hands connections round-robin
  const linkPort = (loopback.address() as { port: number }).port
  log(`pid ${process.pid}, loopback port ${linkPort}`)
  send({ type: 'ready', port: linkPort })
  await done
}
