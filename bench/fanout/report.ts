// Tables for fan-out results: one row per server, then ours/nms and ours/nginx ratios.
import { printTable } from '../measure'
import type { FanoutResult } from './run-fanout'

const COLUMNS = [
  'server',
  'players',
  'published Mbit/s',
  'connected',
  'real time',
  'delivered Mbit/s',
  'server CPU',
  'CPU-s/GB',
  'peak RSS MB',
  'TTFF med ms',
  'TTFF p95 ms',
  'load gen CPU',
  'publisher CPU',
]

/** Columns that get an ours/<other> ratio, and how to read each figure. */
const RATIO_OF: ReadonlyArray<[number, (r: FanoutResult) => number]> = [
  [4, (r) => r.realtime],
  [5, (r) => r.deliveredMbps],
  [7, (r) => r.cpuSecondsPerGB],
  [8, (r) => r.serverPeakRssBytes],
  [9, (r) => r.ttffMedianMs],
  [10, (r) => r.ttffP95Ms],
]

export function loadTitle(r: FanoutResult): string {
  const o = r.options
  const mode = o.fast ? 'publisher as fast as possible' : 'real-time publisher'
  const connect = o.connectRate > 0 ? `${o.connectRate} connects/s` : 'all players connect at once'
  return `${o.players} players, ${o.kbps} kbit/s, ${mode}; ${o.seconds} s window after ${o.warmupSeconds} s warm-up; ${o.workers} load process(es), ${connect}`
}

export function resultRow(r: FanoutResult): string[] {
  if (r.missing !== undefined) return [r.server, String(r.players), `skipped: ${r.missing}`]
  return [
    r.server,
    String(r.players),
    ((r.expectedBytesPerPlayer * 8) / r.windowSeconds / 1e6).toFixed(r.options.fast ? 0 : 2),
    String(r.connected),
    `${r.realtime}`,
    r.deliveredMbps.toFixed(1),
    pct(r.serverCpuShare),
    r.cpuSecondsPerGB.toFixed(2),
    (r.serverPeakRssBytes / 1e6).toFixed(1),
    ms(r.ttffMedianMs),
    ms(r.ttffP95Ms),
    pct(r.loadGenCpuShare),
    pct(r.publisherCpuShare),
  ]
}

/** One table: the servers' rows, then a row per ratio ours/<other> (lower CPU-s/GB, RSS and TTFF are better). */
export function printResults(title: string, results: readonly FanoutResult[]): void {
  const rows: string[][] = [COLUMNS, ...results.map(resultRow)]
  for (const ours of results.filter((r) => r.server.startsWith('ours') && r.missing === undefined)) {
    for (const other of results) {
      if (other.missing !== undefined || other.server.startsWith('ours')) continue
      const row = COLUMNS.map(() => '')
      row[0] = `${ours.server}/${other.server}`
      for (const [col, get] of RATIO_OF) row[col] = ratio(get(ours), get(other))
      rows.push(row)
    }
  }
  printTable(title, rows)
  for (const r of results) {
    if (r.missing !== undefined) continue
    console.log(`  ${r.server}: ${r.label}; ${r.notes.join('; ')}`)
    if (r.errors.length > 0) console.log(`    player errors: ${r.errors.join('; ')}`)
    if (r.loadGenCpuShare >= 0.9 * r.options.workers) console.log(`    warning: the load generator was saturated (${pct(r.loadGenCpuShare)} over ${r.options.workers} process(es)): delivery may be bounded by it`)
  }
  const first = results.find((r) => r.missing === undefined)
  if (first) {
    console.log(`  published Mbit/s: media the publisher handed to its socket in the window, what each player should receive;`)
    console.log(`  real time: players that received >= ${first.options.realtimeShare * 100}% of it; CPU-s/GB: server CPU seconds per 10^9 media bytes delivered`)
  }
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-'
  const r = a / b
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`
}

function pct(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '-'
}

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(0) : '-'
}
