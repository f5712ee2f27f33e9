import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'

export interface MachineInfo {
  readonly cores: number
  readonly cpuModel: string
  readonly node: string
  readonly date: string
  /** 1-minute load average when the bench started: above ~0.5 the figures are noisy */
  readonly loadAverage: number
}

export function machineInfo(): MachineInfo {
  let cpuModel = '?'
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?'
  } catch {
    // not Linux
  }
  return { cores: availableParallelism(), cpuModel, node: process.version, date: new Date().toISOString(), loadAverage: loadavg()[0] ?? NaN }
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), node ${m.node}, ${m.date}, load average ${m.loadAverage.toFixed(2)} at start`
}
