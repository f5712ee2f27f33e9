import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseBitrate } from '../../bench/fanout/cli-options'
import { keptLoad } from '../../bench/fanout/find-max'
import { cpuSeconds, clockTicksPerSecond, parseStatTicks, parseStatusKb } from '../../bench/fanout/proc-stats'
import { emptyResult, split, type FanoutOptions, type FanoutResult } from '../../bench/fanout/run-fanout'
import { percentile } from '../../bench/fanout/summary-stats'

describe('fan-out bench measurement', () => {
  it('reads utime + stime after a command name holding spaces and parentheses', () => {
    // fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 5000 0 3 0 1234 567 89 10 20 0 11 0'
    expect(parseStatTicks(stat)).toBe(1234 + 567)
  })

  it('reads VmHWM and VmRSS in bytes from /proc status text', () => {
    const status = 'Name:\tnginx\nVmPeak:\t  20000 kB\nVmHWM:\t    9120 kB\nVmRSS:\t    8000 kB\n'
    expect(parseStatusKb(status, 'VmHWM')).toBe(9120 * 1024)
    expect(parseStatusKb(status, 'VmRSS')).toBe(8000 * 1024)
    expect(parseStatusKb(status, 'VmSwap')).toBe(0)
  })

  it('counts CPU seconds of this very process from /proc, in clock ticks', () => {
    const before = parseStatTicks(readFileSync('/proc/self/stat', 'utf8'))
    const until = Date.now() + 150
    let x = 0
    while (Date.now() < until) x += Math.sqrt(x + 1)
    const after = parseStatTicks(readFileSync('/proc/self/stat', 'utf8'))
    const seconds = cpuSeconds([{ ticks: before, peakRssBytes: 0, rssBytes: 0 }], [{ ticks: after, peakRssBytes: 0, rssBytes: 0 }])
    expect(clockTicksPerSecond()).toBeGreaterThan(0)
    expect(seconds).toBeGreaterThan(0.03) // a busy loop of 150 ms (less when the machine is shared)
    expect(seconds).toBeLessThan(5)
  })

  it('reads bitrates the way the issue writes them', () => {
    expect(parseBitrate('600')).toBe(600)
    expect(parseBitrate('600k')).toBe(600)
    expect(parseBitrate('2.5M')).toBe(2500)
    expect(parseBitrate('2500kbps')).toBe(2500)
    expect(() => parseBitrate('fast')).toThrow()
  })

  it('splits players over workers without empty workers', () => {
    expect(split(1000, 2)).toEqual([500, 500])
    expect(split(5, 2)).toEqual([3, 2])
    expect(split(1, 2)).toEqual([1])
  })

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i) // 20..1
    expect(percentile(values, 0.5)).toBe(10)
    expect(percentile(values, 0.95)).toBe(19)
    expect(percentile([], 0.5)).toBeNaN()
  })

  it('keeps a load only when enough players kept real time', () => {
    const options: FanoutOptions = { server: 'ours', players: 100, kbps: 600, seconds: 20, warmupSeconds: 5, fast: false, workers: 1, connectRate: 0, installNms: false, realtimeShare: 0.95 }
    const base = emptyResult(options, '', 'x')
    const { missing: _, ...ran0 } = base
    const ran = (realtime: number): FanoutResult => ({ ...ran0, realtime })
    expect(keptLoad(ran(99), 0.99)).toBe(true)
    expect(keptLoad(ran(98), 0.99)).toBe(false)
    expect(keptLoad(base, 0.5)).toBe(false) // a server that did not run keeps nothing
  })
})
