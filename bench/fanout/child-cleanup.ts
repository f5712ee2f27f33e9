// Every process the bench starts is tracked here, so that none outlives it: on exit (normal, uncaught error)
// and on SIGINT/SIGTERM the ones still running are killed, and the run folders removed.
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'

const live = new Set<ChildProcess>()
const dirs = new Set<string>()
let installed = false

export function trackChild(child: ChildProcess): void {
  install()
  live.add(child)
  child.once('exit', () => live.delete(child))
}

/** A temp folder removed when the bench exits (the run removes it itself when it ends normally). */
export function trackDir(dir: string): void {
  install()
  dirs.add(dir)
}

function killAll(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
}

function install(): void {
  if (installed) return
  installed = true
  process.once('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll()
      process.exit(130)
    })
  }
}
