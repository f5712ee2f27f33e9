// CPU time and memory of one process, read from /proc (Linux). The bench samples the server process alone
// (or, for a cluster, its process tree), so what its players and publisher cost (separate processes) never
// counts against it.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcSample {
  /** utime + stime in clock ticks (children not included) */
  readonly ticks: number
  /** peak resident set (VmHWM) in bytes */
  readonly peakRssBytes: number
  /** resident set now (VmRSS) in bytes */
  readonly rssBytes: number
}

let clockTicks: number | undefined

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on every Linux we know). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
      clockTicks = Number.isInteger(n) && n > 0 ? n : 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/**
 * utime + stime from the text of /proc/<pid>/stat. The command name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseStatTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // rest[0] is field 3 (state); utime is field 14, stime field 15
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 80)}`)
  return utime + stime
}

/** A `VmXxx:   1234 kB` line of /proc/<pid>/status, in bytes (0 when absent, e.g. a zombie). */
export function parseStatusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)
  return m ? Number(m[1]) * 1024 : 0
}

/** @throws when the process is gone */
export function sampleProcess(pid: number): ProcSample {
  const ticks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return { ticks, peakRssBytes: parseStatusKb(status, 'VmHWM'), rssBytes: parseStatusKb(status, 'VmRSS') }
}

/** Sum of CPU seconds of several processes between two sets of samples (same order). */
export function cpuSeconds(before: readonly ProcSample[], after: readonly ProcSample[]): number {
  let ticks = 0
  for (const [i, a] of after.entries()) ticks += a.ticks - (before[i]?.ticks ?? 0)
  return ticks / clockTicksPerSecond()
}

/** `pid` and every process below it (children, their children...), from the parent PIDs in /proc/<n>/stat. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // gone meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) // field 4
    const list = children.get(ppid) ?? []
    list.push(Number(name))
    children.set(ppid, list)
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []))
  return tree
}

export interface TreeSample extends ProcSample {
  readonly parts: ReadonlyArray<ProcSample & { readonly pid: number }>
}

/**
 * A process tree (a cluster's primary and its workers) as one sample: CPU ticks, RSS and peak RSS summed over
 * its processes. The peak is the sum of each process's own VmHWM, an upper bound of the tree's peak (each may
 * peak at a different moment) that also counts shared pages (the node binary) once per process.
 * `parts` keeps each process's own figures (the root first), e.g. to see the busiest worker.
 * @throws when `pid` is gone
 */
export function sampleTree(pid: number): TreeSample {
  const parts = [{ pid, ...sampleProcess(pid) }]
  for (const child of processTree(pid).slice(1)) {
    try {
      parts.push({ pid: child, ...sampleProcess(child) })
    } catch {
      // exited between the listing and the read
    }
  }
  return {
    ticks: parts.reduce((n, s) => n + s.ticks, 0),
    peakRssBytes: parts.reduce((n, s) => n + s.peakRssBytes, 0),
    rssBytes: parts.reduce((n, s) => n + s.rssBytes, 0),
    parts,
  }
}

/** Each process's CPU share between two tree samples, e.g. `pid 12 1%, pid 13 48%, pid 14 47%` (root first). */
export function describeTreeCpu(before: ProcSample, after: ProcSample, seconds: number): string {
  const parts = (s: ProcSample): TreeSample['parts'] => ('parts' in s ? (s as TreeSample).parts : [])
  const start = new Map(parts(before).map((p) => [p.pid, p.ticks]))
  return parts(after)
    .map((p) => `pid ${p.pid} ${(((p.ticks - (start.get(p.pid) ?? 0)) / clockTicksPerSecond() / seconds) * 100).toFixed(0)}%`)
    .join(', ')
}
