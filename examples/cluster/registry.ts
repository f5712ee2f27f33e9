// The cluster example's registry: which worker has the publisher of each stream. It lives in the primary;
// workers ask it over the cluster IPC channel and get a copy of the whole map whenever it changes.
import { LiveRouter } from 'rtmp-kit'

/** A stream published on a worker, and where other workers pull it from. */
export interface StreamOwner {
  readonly app: string
  readonly name: string
  /** cluster worker id */
  readonly worker: number
  /** the worker's loopback port (127.0.0.1), served to other workers only */
  readonly port: number
}

/** Worker → primary. */
export type FromWorker =
  /** both listeners are up; `port` is the loopback one */
  | { readonly type: 'ready'; readonly port: number }
  /** a publisher asks for `app/name`: answered with `claimed` */
  | { readonly type: 'claim'; readonly id: number; readonly app: string; readonly name: string }
  /** the publisher of `app/name` on this worker left */
  | { readonly type: 'release'; readonly app: string; readonly name: string }

/** Primary → worker. */
export type ToWorker =
  | { readonly type: 'claimed'; readonly id: number; readonly ok: boolean }
  /** every stream published in the cluster, sent to all workers after each change */
  | { readonly type: 'streams'; readonly streams: readonly StreamOwner[] }
  | { readonly type: 'stop' }

export class StreamRegistry {
  private readonly ports = new Map<number, number>()
  private readonly owners = new Map<string, StreamOwner>()

  addWorker(worker: number, port: number): void {
    this.ports.set(worker, port)
  }

  /** Gives `app/name` to `worker` unless a worker (that one included) publishes it already. */
  claim(worker: number, app: string, name: string): boolean {
    const key = LiveRouter.keyOf(app, name)
    const port = this.ports.get(worker)
    if (port === undefined || this.owners.has(key)) return false
    this.owners.set(key, { app, name, worker, port })
    return true
  }

  /** Returns true if the registry changed. A worker's messages arrive in order, so its release comes before its next claim. */
  release(worker: number, app: string, name: string): boolean {
    const key = LiveRouter.keyOf(app, name)
    if (this.owners.get(key)?.worker !== worker) return false
    return this.owners.delete(key)
  }

  /** A worker died: its streams are gone. Returns true if it had any. */
  dropWorker(worker: number): boolean {
    this.ports.delete(worker)
    let changed = false
    for (const [key, owner] of this.owners) {
      if (owner.worker !== worker) continue
      this.owners.delete(key)
      changed = true
    }
    return changed
  }

  list(): StreamOwner[] {
    return [...this.owners.values()]
  }
}
