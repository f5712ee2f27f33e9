import { readdirSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { RtmpServer } from 'rtmp-kit'

/** What the process and the server hold at one moment, measured after a full garbage collection. */
export interface ResourceSnapshot {
  /** `process.memoryUsage().heapUsed` after forced GC, bytes */
  readonly heapUsed: number
  /** `process.getActiveResourcesInfo()` counted by kind (TCPSocketWrap, TCPServerWrap, Timeout, …) */
  readonly handles: Readonly<Record<string, number>>
  /** open file descriptors (/proc/self/fd), undefined where there is no /proc */
  readonly fds: number | undefined
  /** `server.connections.size` */
  readonly connections: number
  /** streams the live router still knows (`server.live.list()`) */
  readonly liveStreams: number
}

export interface ResourceCheck {
  readonly name: string
  readonly before: number
  readonly after: number
  /** the most `after` may be */
  readonly limit: number
  readonly rule: string
  readonly ok: boolean
}

/**
 * Heap may end up to max(2 MiB, 10 %) above its baseline. After a full GC, heapUsed is what is still reachable,
 * and the baseline is taken after warm-up sessions, so one-time allocations (compiled code, lazily built
 * tables) are already in it; what is left is noise of a few hundred KB. A leak of 2 KB per session (a closure
 * holding a socket, a map entry never deleted) shows over 1,000 sessions.
 */
export const HEAP_SLACK_BYTES = 2 * 1024 * 1024
export const HEAP_SLACK_RATIO = 0.1

let collect: (() => void) | undefined

/** `gc()`: the one `--expose-gc` gives, or one obtained at run time (vitest workers run without the flag). */
function gc(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (typeof exposed === 'function') collect = exposed
    else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    }
  }
  collect()
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

export async function snapshot(server: RtmpServer): Promise<ResourceSnapshot> {
  // several rounds: finalizers and weak callbacks of one round free more in the next
  for (let i = 0; i < 4; i++) {
    gc()
    await nextTurn()
  }
  const handles: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1
  return {
    heapUsed: process.memoryUsage().heapUsed,
    handles,
    fds: openFds(),
    connections: server.connections.size,
    liveStreams: server.live?.list().length ?? 0,
  }
}

const total = (h: Readonly<Record<string, number>>): number => Object.values(h).reduce((a, b) => a + b, 0)

/** The checks a soak must pass: heap within its slack; every count back to (at most) its baseline. */
export function compare(before: ResourceSnapshot, after: ResourceSnapshot): ResourceCheck[] {
  const heapLimit = before.heapUsed + Math.max(HEAP_SLACK_BYTES, before.heapUsed * HEAP_SLACK_RATIO)
  const exact = (name: string, b: number, a: number): ResourceCheck => ({ name, before: b, after: a, limit: b, rule: '≤ baseline', ok: a <= b })
  const checks: ResourceCheck[] = [
    { name: 'heap used (bytes)', before: before.heapUsed, after: after.heapUsed, limit: heapLimit, rule: '≤ baseline + max(2 MiB, 10 %)', ok: after.heapUsed <= heapLimit },
    exact('active handles', total(before.handles), total(after.handles)),
  ]
  const kinds = new Set([...Object.keys(before.handles), ...Object.keys(after.handles)])
  for (const kind of [...kinds].sort()) checks.push(exact(`  ${kind}`, before.handles[kind] ?? 0, after.handles[kind] ?? 0))
  if (before.fds !== undefined && after.fds !== undefined) checks.push(exact('open fds', before.fds, after.fds))
  checks.push(exact('server connections', before.connections, after.connections))
  checks.push(exact('live router streams', before.liveStreams, after.liveStreams))
  return checks
}

/**
 * Waits (up to `ms`) until every count is back to its baseline, then measures once more. Connections closed
 * cleanly keep their socket up to 2 s (the transport's flush deadline), so a few seconds are normal.
 */
export async function settle(server: RtmpServer, baseline: ResourceSnapshot, ms: number): Promise<{ after: ResourceSnapshot; waitedMs: number }> {
  const started = Date.now()
  for (;;) {
    const after = await snapshot(server)
    const counts = compare(baseline, after).filter((c) => !c.name.startsWith('heap'))
    if (counts.every((c) => c.ok) || Date.now() - started >= ms) return { after, waitedMs: Date.now() - started }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
