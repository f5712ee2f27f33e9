// One fan-out run against one server: server, publisher and load workers each in their own process; the
// server's CPU and memory are read from /proc for its PID alone over a steady-state window.
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { trackDir } from './child-cleanup'
import { ChildLink } from './child-link'
import type { FromPublisher, FromWorker, ToPublisher, ToWorker, WorkerReport } from './ipc'
import { freePort } from './net-util'
import { cpuSeconds, describeTreeCpu, sampleProcess, sampleTree, type ProcSample } from './proc-stats'
import type { ServerName, ServerUnderTest } from './server-process'
import { isMissing, startServer } from './servers'
import { benchCacheDir } from './cache-dir'
import { GOP_SECONDS, sourceMedia, type SourceMedia } from './source-media'
import { percentile, sum } from './summary-stats'

export interface FanoutOptions {
  readonly server: ServerName
  readonly players: number
  /** source bitrate, kbit/s (audio + video) */
  readonly kbps: number
  /** length of the measured window */
  readonly seconds: number
  /** seconds between the last player starting and the window */
  readonly warmupSeconds: number
  /** publish as fast as the server takes it instead of in real time */
  readonly fast: boolean
  /** load generator processes */
  readonly workers: number
  /** players started per second over all workers; 0 = all at once */
  readonly connectRate: number
  /** `ours-cluster`: worker processes of the cluster example (default 2) */
  readonly clusterWorkers?: number
  /** ours-batched: the server's writeBatchMs */
  readonly batchMs?: number
  /** install node-media-server into the temp cache when missing */
  readonly installNms: boolean
  /** share of the expected bytes a player must receive to count as keeping real time (0.95) */
  readonly realtimeShare: number
}

export interface FanoutResult {
  readonly server: ServerName
  readonly label: string
  readonly notes: readonly string[]
  /** set when the server could not run; nothing else is meaningful then */
  readonly missing?: string
  readonly options: FanoutOptions
  readonly source: string
  readonly players: number
  /** playing at the end of the window */
  readonly connected: number
  /** received >= realtimeShare of the expected media bytes in the window */
  readonly realtime: number
  readonly windowSeconds: number
  /** media bytes the publisher handed to its socket during the window (what each player should get) */
  readonly expectedBytesPerPlayer: number
  /** media bytes all players received during the window */
  readonly deliveredBytes: number
  readonly deliveredMbps: number
  readonly serverCpuSeconds: number
  /** CPU seconds / window seconds (1 = one core busy) */
  readonly serverCpuShare: number
  /** server CPU seconds per 10^9 delivered media bytes */
  readonly cpuSecondsPerGB: number
  readonly serverPeakRssBytes: number
  readonly ttffMedianMs: number
  readonly ttffP95Ms: number
  /** players that got a keyframe */
  readonly ttffSamples: number
  readonly loadGenCpuShare: number
  readonly publisherCpuShare: number
  readonly errors: readonly string[]
}

const isReady = (m: FromWorker): m is Extract<FromWorker, { type: 'ready' }> => m.type === 'ready'
const isReport = (m: FromWorker): m is Extract<FromWorker, { type: 'report' }> => m.type === 'report'
const isPublishing = (m: FromPublisher): m is Extract<FromPublisher, { type: 'publishing' | 'failed' }> => m.type === 'publishing' || m.type === 'failed'

export async function runFanout(options: FanoutOptions, log: (line: string) => void = () => {}): Promise<FanoutResult> {
  const source = sourceMedia(options.kbps)
  const dir = mkdtempSync(join(benchCacheDir(), `run-${options.server}-`))
  trackDir(dir)
  const port = await freePort()
  const started = await startServer(options.server, { port, dir, players: options.players, installNms: options.installNms, clusterWorkers: options.clusterWorkers ?? 2, batchMs: options.batchMs ?? 100 })
  if (isMissing(started)) {
    rmSync(dir, { recursive: true, force: true })
    return emptyResult(options, source.description, started.missing)
  }
  const server = started
  log(`${server.label}: pid ${server.pid}, port ${port}`)
  let publisher: ChildLink<ToPublisher, FromPublisher> | undefined
  const workers: ChildLink<ToWorker, FromWorker>[] = []
  try {
    publisher = new ChildLink<ToPublisher, FromPublisher>('./fanout-publisher.mjs', [`rtmp://127.0.0.1:${port}/live/bench`, source.path, options.fast ? 'fast' : 'realtime'], 'publisher')
    const first = await publisher.next(isPublishing, 20_000)
    if (first.type === 'failed') throw new Error(`publisher: ${first.error}`)
    // past the first keyframe and a little more, so a GOP cache holds a whole GOP when players join
    await sleep(GOP_SECONDS * 1000 + 500)

    const counts = split(options.players, options.workers)
    for (const [i] of counts.entries()) workers.push(new ChildLink<ToWorker, FromWorker>('./fanout-worker.mjs', [], `load worker ${i + 1}`))
    const connectTimeoutMs = 30_000 + (options.connectRate > 0 ? (options.players / options.connectRate) * 1000 : 0)
    const target = { host: '127.0.0.1', port, app: 'live', stream: 'bench' }
    for (const [i, w] of workers.entries()) {
      const rate = options.connectRate > 0 ? (options.connectRate * counts[i]!) / options.players : 0
      w.send({ type: 'start', target, players: counts[i]!, connectRate: rate, connectTimeoutMs })
    }
    const ready = await Promise.all(workers.map((w) => w.next(isReady, connectTimeoutMs + 10_000)))
    const playing = sum(ready.map((r) => r.playing))
    log(`${playing}/${options.players} players playing${ready.some((r) => r.failed > 0) ? ` (${ready.flatMap((r) => r.errors).join('; ')})` : ''}; warm-up ${options.warmupSeconds} s`)
    await sleep(options.warmupSeconds * 1000)

    const begin = await mark('begin', server, publisher, workers)
    log(`measuring ${options.seconds} s`)
    await sleep(options.seconds * 1000)
    const end = await mark('end', server, publisher, workers)
    if (server.tree) log(`${server.name} CPU per process (primary first): ${describeTreeCpu(begin.server, end.server, (end.at - begin.at) / 1000)}`)
    for (const w of workers) w.send({ type: 'collect', from: 'begin', to: 'end' })
    const reports = await Promise.all(workers.map((w) => w.next(isReport, 30_000)))
    return summarize(options, source, server, begin, end, reports)
  } finally {
    await Promise.all(workers.map((w) => w.stop({ type: 'stop' })))
    await publisher?.stop({ type: 'stop' })
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Mark {
  readonly at: number
  readonly server: ProcSample
  readonly publisherBytes: number
  readonly loadGen: ProcSample[]
  readonly publisher: ProcSample
}

/** Snapshots every process at (nearly) the same moment. */
async function mark(id: string, server: ServerUnderTest, publisher: ChildLink<ToPublisher, FromPublisher>, workers: ChildLink<ToWorker, FromWorker>[]): Promise<Mark> {
  const isMarked = (m: { type: string; id?: string }): boolean => m.type === 'marked' && m.id === id
  publisher.send({ type: 'mark', id })
  for (const w of workers) w.send({ type: 'mark', id })
  const at = performance.now()
  const serverSample = safeSample(server)
  if (serverSample === undefined) throw new Error(`${server.label} exited during the run\n${server.log()}`)
  const loadGen = workers.map((w) => sampleProcess(w.pid))
  const publisherSample = sampleProcess(publisher.pid)
  const [pub] = await Promise.all([
    publisher.next((m): m is Extract<FromPublisher, { type: 'marked' }> => isMarked(m), 30_000),
    ...workers.map((w) => w.next((m): m is Extract<FromWorker, { type: 'marked' }> => isMarked(m), 30_000)),
  ])
  return { at, server: serverSample, publisherBytes: pub.mediaBytes, loadGen, publisher: publisherSample }
}

function summarize(options: FanoutOptions, source: SourceMedia, server: ServerUnderTest, begin: Mark, end: Mark, reports: WorkerReport[]): FanoutResult {
  const windowSeconds = (end.at - begin.at) / 1000
  const expected = end.publisherBytes - begin.publisherBytes
  const windowBytes = reports.flatMap((r) => r.windowBytes)
  const connected = reports.flatMap((r) => r.connected)
  const ttff = reports.flatMap((r) => r.ttffMs).filter((t): t is number => t !== null)
  const deliveredBytes = sum(windowBytes)
  const cpu = cpuSeconds([begin.server], [end.server])
  const peak = safeSample(server)?.peakRssBytes ?? end.server.peakRssBytes
  return {
    server: server.name,
    label: server.label,
    notes: server.notes,
    options,
    source: source.description,
    players: options.players,
    connected: connected.filter(Boolean).length,
    realtime: windowBytes.filter((b, i) => connected[i] && b >= options.realtimeShare * expected).length,
    windowSeconds,
    expectedBytesPerPlayer: expected,
    deliveredBytes,
    deliveredMbps: (deliveredBytes * 8) / windowSeconds / 1e6,
    serverCpuSeconds: cpu,
    serverCpuShare: cpu / windowSeconds,
    cpuSecondsPerGB: deliveredBytes > 0 ? cpu / (deliveredBytes / 1e9) : NaN,
    serverPeakRssBytes: peak,
    ttffMedianMs: percentile(ttff, 0.5),
    ttffP95Ms: percentile(ttff, 0.95),
    ttffSamples: ttff.length,
    loadGenCpuShare: cpuSeconds(begin.loadGen, end.loadGen) / windowSeconds,
    publisherCpuShare: cpuSeconds([begin.publisher], [end.publisher]) / windowSeconds,
    errors: [...new Set(reports.flatMap((r) => r.errors))],
  }
}

function safeSample(server: ServerUnderTest): ProcSample | undefined {
  try {
    return server.tree ? sampleTree(server.pid) : sampleProcess(server.pid)
  } catch {
    return undefined
  }
}

/** The result of a run that could not happen (server missing or failed): `missing` says why. */
export function emptyResult(options: FanoutOptions, source: string, missing: string): FanoutResult {
  return {
    server: options.server,
    label: options.server,
    notes: [],
    missing,
    options,
    source,
    players: options.players,
    connected: 0,
    realtime: 0,
    windowSeconds: 0,
    expectedBytesPerPlayer: 0,
    deliveredBytes: 0,
    deliveredMbps: NaN,
    serverCpuSeconds: NaN,
    serverCpuShare: NaN,
    cpuSecondsPerGB: NaN,
    serverPeakRssBytes: NaN,
    ttffMedianMs: NaN,
    ttffP95Ms: NaN,
    ttffSamples: 0,
    loadGenCpuShare: NaN,
    publisherCpuShare: NaN,
    errors: [],
  }
}

/** `n` split into `parts` near-equal counts (no zero parts). */
export function split(n: number, parts: number): number[] {
  const p = Math.max(1, Math.min(parts, n))
  return Array.from({ length: p }, (_, i) => Math.floor(n / p) + (i < n % p ? 1 : 0))
}
