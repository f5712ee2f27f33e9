import { Duplex } from 'node:stream'
import { afterEach } from 'vitest'
import type { RtmpError } from '../../src/errors'
import type { LiveSink } from '../../src/live/live-sink'
import type { MediaMessage } from '../../src/media/media-message'
import type { CancelTimer, Scheduler } from '../../src/relay/scheduler'
import type { ClientPlayStream, ClientPublishStream } from '../../src/transport/client-streams'
import { createServer, type RtmpServer, type RtmpServerOptions } from '../../src/transport/rtmp-server'

/** Servers made by a test, closed after it. */
const servers = new Set<RtmpServer>()
const cleanups: Array<() => unknown> = []

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((f) => f()))
  await Promise.all([...servers].map((s) => s.close()))
  servers.clear()
})

/** Runs `f` after the current test (before its servers close). */
export function onCleanup(f: () => unknown): void {
  cleanups.push(f)
}

export interface TestServer {
  readonly server: RtmpServer
  readonly port: number
  url(app: string, stream?: string): string
}

/** Our server on 127.0.0.1 (port 0 = any free port), closed after the test. */
export async function startServer(options: RtmpServerOptions = {}, port = 0): Promise<TestServer> {
  const server = createServer(options)
  servers.add(server)
  const bound = (await server.listen({ port })).port
  return { server, port: bound, url: (app, stream) => `rtmp://127.0.0.1:${bound}/${app}${stream ? `/${stream}` : ''}` }
}

export async function stopServer(s: TestServer): Promise<void> {
  servers.delete(s.server)
  await s.server.close()
}

/** Polls `check` every 10 ms until it returns true. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Everything a played stream delivers, until it ends. */
export function collect(player: ClientPlayStream): { messages: MediaMessage[]; done: Promise<RtmpError | undefined> } {
  const messages: MediaMessage[] = []
  const done = (async () => {
    try {
      for await (const m of player) messages.push(m)
      return undefined
    } catch (err) {
      return err as RtmpError
    }
  })()
  return { messages, done }
}

/** Writes each message, awaiting the socket (what a well-behaved encoder does). */
export async function publishAll(pub: ClientPublishStream, messages: readonly MediaMessage[], pauseEvery = 0, pauseMs = 0): Promise<void> {
  for (let i = 0; i < messages.length; i++) {
    await pub.write(messages[i]!)
    if (pauseEvery > 0 && i % pauseEvery === pauseEvery - 1) await sleep(pauseMs)
  }
}

/** A LiveSink that records what a router gives it, including publish start/end. */
export class RecordingSink implements LiveSink {
  readonly events: Array<MediaMessage | 'started' | 'ended'> = []
  aborted: RtmpError | undefined
  readonly bufferedBytes = 0

  get messages(): MediaMessage[] {
    return this.events.filter((e): e is MediaMessage => typeof e !== 'string')
  }

  write(msg: MediaMessage): boolean {
    this.events.push(msg)
    return true
  }

  publishStarted(): void {
    this.events.push('started')
  }

  publishEnded(): void {
    this.events.push('ended')
  }

  abort(error: RtmpError): void {
    this.aborted = error
  }
}

/** A scheduler whose timers run only when the test says so. */
export class ManualScheduler implements Scheduler {
  private tasks: Array<{ delay: number; callback: () => void; cancelled: boolean }> = []

  schedule(delay: number, callback: () => void): CancelTimer {
    const task = { delay, callback, cancelled: false }
    this.tasks.push(task)
    return () => {
      task.cancelled = true
    }
  }

  /** delays of the timers waiting to run */
  get pending(): number[] {
    return this.tasks.filter((t) => !t.cancelled).map((t) => t.delay)
  }

  /** Runs every timer waiting now (not those they schedule). */
  runAll(): void {
    const due = this.tasks.filter((t) => !t.cancelled)
    this.tasks = []
    for (const t of due) t.callback()
  }
}

/**
 * Two connected in-memory Duplex ends where the a → b direction can be stalled: while stalled, a's writes
 * are not taken (their callbacks wait), so a's writable buffer fills as a socket's does when the peer stops
 * reading.
 */
export function stallablePair(): { a: Duplex; b: Duplex; stall(): void; resume(): void } {
  let stalled = false
  let held: Array<() => void> = []
  let a!: Duplex
  let b!: Duplex
  const make = (other: () => Duplex, gated: boolean): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const deliver = (): void => {
          if (!other().destroyed) other().push(chunk)
          cb()
        }
        if (gated && stalled) held.push(deliver)
        else deliver()
      },
      final(cb) {
        other().push(null)
        cb()
      },
      destroy(err, cb) {
        const peer = other()
        if (!peer.destroyed) peer.destroy()
        cb(err)
      },
    })
  a = make(() => b, true)
  b = make(() => a, false)
  return {
    a,
    b,
    stall: () => {
      stalled = true
    },
    resume: () => {
      stalled = false
      const h = held
      held = []
      for (const f of h) f()
    },
  }
}
