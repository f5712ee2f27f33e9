// CPU time and memory of one process, read from /proc (Linux). The bench samples the server process alone,
// so what its players and publisher cost (separate processes) never counts against it.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

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
