import { spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { processTree, sampleProcess, sampleTree } from '../../bench/fanout/proc-stats'
import { sleep } from '../helpers/processes'

// The fan-out bench samples a cluster as its whole process tree (primary + workers).

const children: number[] = []
afterEach(() => {
  for (const pid of children.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
})

describe('process tree sampling', () => {
  it('finds the children and grandchildren of a process and sums their figures', async () => {
    // a child that starts a grandchild and prints its PID; both sleep until killed
    const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
    children.push(child.pid!)
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    const deadline = Date.now() + 20_000
    while (!out.includes('\n') && Date.now() < deadline) await sleep(20)
    const grandchild = Number(out.trim())
    expect(grandchild).toBeGreaterThan(0)

    const tree = processTree(child.pid!)
    expect(tree[0]).toBe(child.pid)
    expect(tree).toContain(grandchild)
    expect(processTree(process.pid)).toContain(grandchild) // vitest's worker → child → grandchild

    const sum = sampleTree(child.pid!)
    expect(sum.parts.map((p) => p.pid).sort()).toEqual([child.pid!, grandchild].sort())
    const own = [sampleProcess(child.pid!), sampleProcess(grandchild)]
    expect(sum.peakRssBytes).toBeGreaterThanOrEqual(Math.max(...own.map((s) => s.peakRssBytes)))
    expect(sum.peakRssBytes).toBe(sum.parts[0]!.peakRssBytes + sum.parts[1]!.peakRssBytes)
    expect(sum.ticks).toBe(sum.parts[0]!.ticks + sum.parts[1]!.ticks)
  }, 30_000)
})
