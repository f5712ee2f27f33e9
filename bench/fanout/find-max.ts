// The largest number of players a server keeps at real time: doubling from 50 until a load is not kept,
// then halving the gap to within about 10%.
import type { CliOptions } from './cli-options'
import { defaultWorkers } from './cli-options'
import { printTable } from '../measure'
import type { FanoutOptions, FanoutResult } from './run-fanout'
import type { ServerName } from './server-process'

export interface MaxResult {
  readonly server: ServerName
  readonly kbps: number
  /** the largest load kept (undefined: not even the first) */
  readonly kept?: FanoutResult
  /** the smallest load not kept (undefined: every load up to --max-players was kept) */
  readonly notKept?: FanoutResult
  readonly tried: readonly FanoutResult[]
  readonly missing?: string
}

/** At least `keepShare` of the players connected and kept real time. */
export function keptLoad(r: FanoutResult, keepShare: number): boolean {
  return r.missing === undefined && r.realtime >= Math.ceil(keepShare * r.players)
}

export async function findMax(
  server: ServerName,
  cli: CliOptions,
  run: (o: FanoutOptions) => Promise<FanoutResult>,
  log: (line: string) => void,
): Promise<MaxResult> {
  const tried: FanoutResult[] = []
  const attempt = async (players: number): Promise<FanoutResult> => {
    const r = await run({ ...cli.run, fast: false, server, players, workers: defaultWorkers(players) })
    tried.push(r)
    log(`${server} ${players} players: ${keptLoad(r, cli.keepShare) ? 'kept' : 'not kept'} (${r.realtime} real time${r.missing ? `; ${r.missing}` : ''})`)
    return r
  }
  let kept: FanoutResult | undefined
  let notKept: FanoutResult | undefined
  for (let n = Math.min(50, cli.maxPlayers); ; n = Math.min(n * 2, cli.maxPlayers)) {
    const r = await attempt(n)
    // a server that cannot run here (not a failed run): say so once
    if (r.missing !== undefined && !r.missing.startsWith('run failed')) return { server, kbps: cli.run.kbps, tried, missing: r.missing }
    if (!keptLoad(r, cli.keepShare)) {
      notKept = r
      break
    }
    kept = r
    if (n >= cli.maxPlayers) break
  }
  while (kept && notKept && notKept.players - kept.players > Math.max(20, kept.players * 0.1)) {
    const mid = Math.round((kept.players + notKept.players) / 20) * 10
    const r = await attempt(mid)
    if (keptLoad(r, cli.keepShare)) kept = r
    else notKept = r
  }
  return { server, kbps: cli.run.kbps, tried, ...(kept ? { kept } : {}), ...(notKept ? { notKept } : {}) }
}

export function printMax(cli: CliOptions, maxima: readonly MaxResult[]): void {
  const rows = [['server', 'largest N kept', 'delivered Mbit/s', 'server CPU', 'CPU-s/GB', 'peak RSS MB', 'first N not kept', 'why', 'load gen CPU there']]
  for (const m of maxima) {
    if (m.missing !== undefined) {
      rows.push([m.server, `skipped: ${m.missing}`])
      continue
    }
    const k = m.kept
    const n = m.notKept
    rows.push([
      m.server,
      k ? String(k.players) : '< 50',
      k ? k.deliveredMbps.toFixed(1) : '-',
      k ? `${(k.serverCpuShare * 100).toFixed(0)}%` : '-',
      k ? k.cpuSecondsPerGB.toFixed(2) : '-',
      k ? (k.serverPeakRssBytes / 1e6).toFixed(1) : '-',
      n ? String(n.players) : `> ${cli.maxPlayers}`,
      n ? (n.missing ?? `${n.connected} connected, ${n.realtime} real time`) : '',
      n && Number.isFinite(n.loadGenCpuShare) ? `${(n.loadGenCpuShare * 100).toFixed(0)}% of ${n.options.workers}` : '',
    ])
  }
  const o = cli.run
  printTable(`Largest N kept at real time (${o.kbps} kbit/s; kept = at least ${cli.keepShare * 100}% of players got >= ${o.realtimeShare * 100}% of the media; ${o.seconds} s windows)`, rows)
}
