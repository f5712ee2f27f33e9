import { parseArgs } from 'node:util'
import type { FanoutOptions } from './run-fanout'
import { ALL_SERVER_NAMES, SERVER_NAMES, type ServerName } from './server-process'

export interface CliOptions {
  readonly servers: ServerName[]
  readonly run: Omit<FanoutOptions, 'server'>
  readonly json: boolean
  readonly help: boolean
  /** fanout-compare: the matrix of loads */
  readonly suite: boolean
  /** fanout-compare: search the largest N each server keeps at real time */
  readonly findMax: boolean
  /** share of players that must keep real time for a load to count as kept (find-max) */
  readonly keepShare: number
  /** largest N the search tries */
  readonly maxPlayers: number
}

export const USAGE = `options:
  --players N          players (default 50; 20 with --fast)
  --bitrate K          source bitrate: 600, 600k, 2.5M, 2500k (default 600k)
  --seconds S          measured window (default 20)
  --warmup S           seconds after the players joined before the window (default 5)
  --server NAME        ours | ours-batched | nms | nginx | ours-cluster (bench:fanout: default ours; may repeat;
                       compare: ours, ours-batched, nms, nginx)
  --cluster-workers N  ours-cluster: worker processes of the cluster example (default 2)
  --batch-ms N         ours-batched: our server with writeBatchMs N (default 100)
  --fast               publish as fast as the server takes it (peak throughput) instead of in real time
  --workers W          load generator processes (default 1 below 200 players, else 2)
  --connect-rate R     players started per second (default 0: all at once)
  --realtime-share F   share of the expected bytes a player must get to keep real time (default 0.95)
  --json               print the results as JSON on stdout (progress goes to stderr)
 fanout-compare only:
  --suite              the issue's loads: 50/200/500/1000 players at 600k and 2.5M, then --fast with 20
  --find-max           search the largest N each server keeps at real time (at --bitrate)
  --keep-share F       share of players that must keep real time for N to count as kept (default 0.99)
  --max-players N      largest N the search tries (default 3000)`

export function parseCli(argv: string[], compare: boolean): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      players: { type: 'string' },
      bitrate: { type: 'string', default: '600k' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      server: { type: 'string', multiple: true },
      fast: { type: 'boolean', default: false },
      workers: { type: 'string' },
      'cluster-workers': { type: 'string', default: '2' },
      'batch-ms': { type: 'string', default: '100' },
      'connect-rate': { type: 'string', default: '0' },
      'realtime-share': { type: 'string', default: '0.95' },
      json: { type: 'boolean', default: false },
      suite: { type: 'boolean', default: false },
      'find-max': { type: 'boolean', default: false },
      'keep-share': { type: 'string', default: '0.99' },
      'max-players': { type: 'string', default: '3000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const servers = (values.server ?? (compare ? [...SERVER_NAMES] : ['ours'])).flatMap((s) => s.split(','))
  for (const s of servers) if (!ALL_SERVER_NAMES.includes(s as ServerName)) throw new Error(`--server must be one of ${ALL_SERVER_NAMES.join(', ')}, got ${s}`)
  const players = Math.round(positive('--players', values.players ?? (values.fast ? '20' : '50')))
  return {
    servers: servers as ServerName[],
    run: {
      players,
      kbps: parseBitrate(values.bitrate),
      seconds: positive('--seconds', values.seconds),
      warmupSeconds: nonNegative('--warmup', values.warmup),
      fast: values.fast,
      workers: values.workers !== undefined ? Math.round(positive('--workers', values.workers)) : defaultWorkers(players),
      connectRate: nonNegative('--connect-rate', values['connect-rate']),
      clusterWorkers: Math.round(positive('--cluster-workers', values['cluster-workers'])),
      batchMs: nonNegative('--batch-ms', values['batch-ms']),
      installNms: true,
      realtimeShare: share('--realtime-share', values['realtime-share']),
    },
    json: values.json,
    help: values.help,
    suite: values.suite,
    findMax: values['find-max'],
    keepShare: share('--keep-share', values['keep-share']),
    maxPlayers: positive('--max-players', values['max-players']),
  }
}

export function defaultWorkers(players: number): number {
  return players < 200 ? 1 : 2
}

/** kbit/s from "600", "600k", "2.5M", "2500k", "2.5Mbps". */
export function parseBitrate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]?)(?:bps|bit\/s)?$/.exec(text.trim())
  if (!m) throw new Error(`--bitrate: cannot read ${text} (e.g. 600k, 2.5M)`)
  const kbps = Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1000 : 1)
  if (!(kbps >= 50 && kbps <= 100_000)) throw new Error(`--bitrate: ${text} is outside 50k..100M`)
  return Math.round(kbps)
}

function positive(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${text}`)
  return n
}

function nonNegative(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be >= 0, got ${text}`)
  return n
}

function share(name: string, text: string): number {
  const n = Number(text)
  if (!(n > 0 && n <= 1)) throw new Error(`${name} must be in (0, 1], got ${text}`)
  return n
}
