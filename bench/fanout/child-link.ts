// A forked bench process (publisher or load worker) and its IPC messages, awaited by predicate.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { trackChild } from './child-cleanup'

export class ChildLink<In, Out extends { type: string }> {
  readonly process: ChildProcess
  private readonly inbox: Out[] = []
  private readonly waiting = new Set<() => void>()
  private exit: string | undefined

  /** Forks `entry` (a file bundled beside this one) with `args`. */
  constructor(entry: string, args: readonly string[], readonly name: string) {
    this.process = fork(fileURLToPath(new URL(entry, import.meta.url)), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
    trackChild(this.process)
    this.process.on('message', (m: Out) => {
      this.inbox.push(m)
      this.wake()
    })
    this.process.once('exit', (code, signal) => {
      this.exit = `${name} exited (${code ?? signal})`
      this.wake()
    })
  }

  get pid(): number {
    return this.process.pid!
  }

  get exited(): string | undefined {
    return this.exit
  }

  send(msg: In): void {
    if (this.process.connected) this.process.send(msg as object)
  }

  /** The first message (received so far or later) that `match` accepts; it is taken from the inbox. */
  next<T extends Out>(match: (m: Out) => m is T, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const i = this.inbox.findIndex(match)
        if (i >= 0) {
          done()
          resolve(this.inbox.splice(i, 1)[0] as T)
        } else if (this.exit !== undefined) {
          done()
          reject(new Error(this.exit))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.waiting.delete(check)
      }
      this.waiting.add(check)
      check()
    })
  }

  /** Kills it if it has not exited within `graceMs` of being asked to stop. */
  async stop(stopMessage: In, graceMs = 3000): Promise<void> {
    if (this.exit !== undefined) return
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()))
    this.send(stopMessage)
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
    await gone
    clearTimeout(timer)
  }

  private wake(): void {
    for (const w of [...this.waiting]) w()
  }
}
