import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { createServer } from 'rtmp-kit'
import { createRng } from '../../test/helpers/rng'
import { compare, settle, snapshot, type ResourceCheck, type ResourceSnapshot } from './resources'
import { planSession } from './soak-plan'
import { runSession, type SessionOutcome } from './soak-session'

// The soak (issue 6): many client sessions against one server, connecting, publishing, playing and leaving in
// random order, many of them abruptly; afterwards heap, handles, sockets, fds and router streams must be back
// at their baseline. `npm run soak` runs it (scripts/soak/cli.ts); test/soak/soak-short.test.ts runs a short one.

export interface SoakOptions {
  /** sessions in the measured run (default 1000) */
  readonly sessions?: number
  /** sessions at once (default 50) */
  readonly concurrency?: number
  readonly seed?: number
  /** run for this long instead of a fixed count: sessions keep starting until then */
  readonly minutes?: number
  /** unmeasured sessions before the baseline (default min(50, sessions / 10)) */
  readonly warmup?: number
  /** a session still running after this is 'hung' (default 30_000 ms) */
  readonly sessionDeadlineMs?: number
  /** most time to wait for counts to return to baseline (default 15_000 ms) */
  readonly settleMs?: number
  /** scales how long publishers publish and players watch (default 1: 2–16 s and 1–10 s) */
  readonly timeScale?: number
  /** write `baseline.heapsnapshot` and `after.heapsnapshot` here (for finding what a failed heap check kept) */
  readonly heapSnapshotDir?: string
  /** progress lines */
  readonly log?: (line: string) => void
}

export interface SoakReport {
  readonly seed: number
  readonly sessions: number
  readonly warmup: number
  readonly concurrency: number
  readonly durationMs: number
  readonly settleMs: number
  /** label → result → count */
  readonly outcomes: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly framesSent: number
  readonly framesReceived: number
  /** errors the server reported (`connectionError`), by code */
  readonly connectionErrors: Readonly<Record<string, number>>
  /** the largest number of connections the server held at once */
  readonly peakConnections: number
  readonly before: ResourceSnapshot
  readonly after: ResourceSnapshot
  readonly checks: readonly ResourceCheck[]
  /** why the soak failed (resource checks that did not pass, hung or failed sessions, process errors) */
  readonly failures: readonly string[]
  readonly ok: boolean
}

const HOST = '127.0.0.1'
const SILENT_HANDSHAKE_MS = 3000
const SILENT_CONNECT_MS = 2000

export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const sessions = options.sessions ?? 1000
  const concurrency = Math.max(1, options.concurrency ?? 50)
  const seed = (options.seed ?? (Date.now() ^ (process.pid << 16))) >>> 0
  const warmup = options.warmup ?? Math.min(50, Math.ceil(sessions / 10))
  const log = options.log ?? (() => {})
  const deadlineMs = options.sessionDeadlineMs ?? 30_000
  const rng = createRng(seed)
  const names = Math.max(4, concurrency) // about a third of the names have a publisher at a time
  const processErrors: string[] = []
  const onProcessError = (kind: string) => (err: unknown) => processErrors.push(`${kind}: ${String((err as Error)?.stack ?? err)}`)
  const onUncaught = onProcessError('uncaughtException')
  const onUnhandled = onProcessError('unhandledRejection')
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUnhandled)

  // short deadlines, so that the silent sessions end within the run (the defaults are 10 s each)
  const server = createServer({ handshakeTimeout: SILENT_HANDSHAKE_MS, connectTimeout: SILENT_CONNECT_MS })
  let connectionErrors: Record<string, number> = {}
  const internalErrors: string[] = []
  server.on('connectionError', (err) => {
    connectionErrors[err.code] = (connectionErrors[err.code] ?? 0) + 1
    if (err.message.startsWith('internal error')) internalErrors.push(`${err.code}: ${err.message}`)
  })
  let peakConnections = 0
  server.on('connection', () => (peakConnections = Math.max(peakConnections, server.connections.size)))
  try {
    const { port } = await server.listen({ port: 0, host: HOST })
    const target = { host: HOST, port, deadlineMs }
    log(`soak: seed ${seed} · ${options.minutes ? `${options.minutes} min` : `${sessions} sessions`} · concurrency ${concurrency} · ${names} stream names · port ${port}`)

    await pool(warmup, Math.min(concurrency, warmup), () => runSession(planSession(rng, names, options.timeScale), target))
    const warm = await settle(server, await snapshot(server), options.settleMs ?? 15_000)
    const before = warm.after
    if (options.heapSnapshotDir) log(`soak: wrote ${writeHeapSnapshot(join(options.heapSnapshotDir, 'baseline.heapsnapshot'))}`)
    log(`soak: warm-up of ${warmup} sessions done; baseline heap ${mib(before.heapUsed)}, ${Object.values(before.handles).reduce((a, b) => a + b, 0)} handles`)

    connectionErrors = {} // count the measured run's only
    const outcomes: SessionOutcome[] = []
    const started = Date.now()
    const endAt = options.minutes ? started + options.minutes * 60_000 : undefined
    const progress = setInterval(() => {
      log(`soak: ${outcomes.length} sessions done, ${server.connections.size} connections open, heap ${mib(process.memoryUsage().heapUsed)} (${Math.round((Date.now() - started) / 1000)} s)`)
    }, 10_000)
    try {
      await pool(endAt ? Infinity : sessions, concurrency, async () => outcomes.push(await runSession(planSession(rng, names, options.timeScale), target)), () => endAt !== undefined && Date.now() >= endAt)
    } finally {
      clearInterval(progress)
    }
    const durationMs = Date.now() - started
    const { after, waitedMs } = await settle(server, before, options.settleMs ?? 15_000)
    if (options.heapSnapshotDir) log(`soak: wrote ${writeHeapSnapshot(join(options.heapSnapshotDir, 'after.heapsnapshot'))}`)

    const checks = compare(before, after)
    const failures = checks.filter((c) => !c.ok).map((c) => `${c.name.trim()}: ${c.after} over ${c.limit} (${c.rule}; baseline ${c.before})`)
    const tally: Record<string, Record<string, number>> = {}
    for (const o of outcomes) {
      const row = (tally[o.label] ??= {})
      row[o.result] = (row[o.result] ?? 0) + 1
      if (o.result === 'hung' || o.result === 'error') failures.push(`${o.label} ${o.result}${o.detail ? `: ${o.detail}` : ''}`)
    }
    // the server reports exactly the silent sessions (its timers closed them); drops by the peer are not errors
    const expected: Record<string, number> = {
      RTMP_ERR_HANDSHAKE_TIMEOUT: tally['silent/handshake-timeout']?.ok ?? 0,
      RTMP_ERR_TIMEOUT: tally['silent/connect-timeout']?.ok ?? 0,
    }
    // a peer that sent part of a handshake then closed (FIN) is reported as truncated; after a reset the kernel
    // may discard its unread bytes first, so those count as truncated or not at all
    const truncatedMin = tally['handshake-drop/bytes-destroy']?.ok ?? 0
    const truncatedMax = truncatedMin + (tally['handshake-drop/bytes-reset']?.ok ?? 0)
    const truncated = connectionErrors['RTMP_ERR_HANDSHAKE_TRUNCATED'] ?? 0
    if (truncated < truncatedMin || truncated > truncatedMax) {
      failures.push(`server reported ${truncated} × RTMP_ERR_HANDSHAKE_TRUNCATED, expected ${truncatedMin}..${truncatedMax}`)
    }
    for (const code of new Set([...Object.keys(expected), ...Object.keys(connectionErrors)])) {
      if (code === 'RTMP_ERR_HANDSHAKE_TRUNCATED') continue
      if ((connectionErrors[code] ?? 0) !== (expected[code] ?? 0)) failures.push(`server reported ${connectionErrors[code] ?? 0} × ${code}, expected ${expected[code] ?? 0}`)
    }
    failures.push(...internalErrors.map((e) => `server reported an internal error: ${e}`), ...processErrors)
    return {
      seed,
      sessions: outcomes.length,
      warmup,
      concurrency,
      durationMs,
      settleMs: waitedMs,
      outcomes: tally,
      framesSent: outcomes.reduce((a, o) => a + o.sent, 0),
      framesReceived: outcomes.reduce((a, o) => a + o.received, 0),
      connectionErrors,
      peakConnections,
      before,
      after,
      checks,
      failures,
      ok: failures.length === 0,
    }
  } finally {
    await server.close()
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUnhandled)
  }
}

/** Runs `task` `count` times (or until `stop()`), at most `width` at once. */
async function pool(count: number, width: number, task: () => Promise<unknown>, stop: () => boolean = () => false): Promise<void> {
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < count && !stop()) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker))
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

/** The report as a table, for the terminal and docs/reliability.md. */
export function formatReport(r: SoakReport): string {
  const lines: string[] = []
  lines.push(`soak: seed ${r.seed} · ${r.sessions} sessions (+${r.warmup} warm-up) · concurrency ${r.concurrency} · ${(r.durationMs / 1000).toFixed(1)} s · settled in ${(r.settleMs / 1000).toFixed(1)} s`)
  lines.push(`peak connections ${r.peakConnections} · frames sent ${r.framesSent} · frames received ${r.framesReceived}`)
  lines.push('')
  lines.push('session                      ok  rejected  error  hung')
  for (const label of Object.keys(r.outcomes).sort()) {
    const o = r.outcomes[label]!
    lines.push(`${label.padEnd(26)} ${String(o.ok ?? 0).padStart(4)} ${String(o.rejected ?? 0).padStart(9)} ${String(o.error ?? 0).padStart(6)} ${String(o.hung ?? 0).padStart(5)}`)
  }
  const errors = Object.entries(r.connectionErrors)
  lines.push('')
  lines.push(`server connectionError: ${errors.length === 0 ? 'none' : errors.map(([c, n]) => `${c} ×${n}`).join(', ')}`)
  lines.push('')
  lines.push('resource                      before       after       limit  ok')
  for (const c of r.checks) {
    const fmt = (n: number): string => (c.name.startsWith('heap') ? mib(n) : String(n))
    lines.push(`${c.name.padEnd(24)} ${fmt(c.before).padStart(11)} ${fmt(c.after).padStart(11)} ${fmt(c.limit).padStart(11)}  ${c.ok ? 'yes' : 'NO'}`)
  }
  lines.push('')
  lines.push(r.ok ? 'soak: PASS' : `soak: FAIL\n  ${r.failures.join('\n  ')}`)
  return lines.join('\n')
}
