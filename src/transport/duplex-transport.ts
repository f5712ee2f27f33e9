import type { Duplex } from 'node:stream'
import { ClosedError, HandshakeError, RtmpError, TimeoutError } from '../errors'
import { Handshake, type HandshakeOptions } from '../handshake/handshake'
import { checkBatchMs } from '../live/live-options'
import { debug } from './debug'

export interface TransportHooks {
  /** The handshake finished; `rest` holds the bytes that followed it (the first chunks). */
  onReady(rest: Uint8Array): void
  /** Bytes after the handshake. A throw here ends this connection with that error. */
  onBytes(bytes: Uint8Array): void
  /** Called once, when the Duplex is gone; `error` is undefined for a clean close. */
  onClose(error: RtmpError | undefined): void
}

export interface TransportOptions {
  /** ms to finish the handshake (default 10_000) */
  handshakeTimeout?: number
  /** ms without any byte received before the connection is closed (default 0 = never) */
  idleTimeout?: number
  handshake?: HandshakeOptions
  /**
   * ms media writes (`writeMedia`) may be held so that they go out together, in one system call per flush
   * (default 0: at once; at most 100). Cuts the CPU per delivered byte for many players at the cost of up
   * to this much latency. Any other write flushes what is held first, so the order never changes.
   */
  writeBatchMs?: number
}

/** Held media is flushed at once past this many bytes, whatever the batch time. */
const BATCH_FLUSH_BYTES = 64 * 1024

/**
 * Glue between a Duplex and the pure layers: runs the handshake, then hands bytes to the session. It is the
 * single catch point: anything a pure layer throws ends this connection (`destroy(err)`) and nothing else.
 */
export class DuplexTransport {
  readonly duplex: Duplex
  /** dropped once done: its buffers would otherwise live as long as the connection */
  private handshake: Handshake | undefined
  private peerComplex = false
  private readonly hooks: TransportHooks
  private ready = false
  private ended = false
  private closeError: RtmpError | undefined
  private handshakeTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private lastData = Date.now()
  /** bytes received before the handshake finished */
  private handshakeBytes = 0
  private drainWaiters: Array<() => void> = []
  private readonly batchMs: number
  /** flushes this transport's batches (with all others of the same batch time) */
  private readonly batches: BatchQueue | undefined
  /** turn of the event loop of the last media write (see `writeMedia`) */
  private tickEpoch = -1
  /** corked by `writeMedia` until the end of this turn */
  private tickCorked = false
  /** bytes written since then */
  private tickBytes = 0
  /** media pieces held for the next batch flush */
  private held: Uint8Array[] = []
  private heldBytes = 0

  constructor(duplex: Duplex, role: 'client' | 'server', hooks: TransportHooks, options: TransportOptions = {}) {
    this.duplex = duplex
    this.hooks = hooks
    this.handshake = new Handshake(role, options.handshake)
    this.batchMs = checkBatchMs(options.writeBatchMs)
    this.batches = this.batchMs > 0 ? batchQueue(this.batchMs) : undefined
    const handshakeTimeout = options.handshakeTimeout ?? 10_000
    if (handshakeTimeout > 0) {
      this.handshakeTimer = setTimeout(() => {
        this.fail(new HandshakeError('RTMP_ERR_HANDSHAKE_TIMEOUT', `handshake not finished after ${handshakeTimeout} ms`))
      }, handshakeTimeout)
      this.handshakeTimer.unref?.()
    }
    const idle = options.idleTimeout ?? 0
    if (idle > 0) {
      // Our own timer rather than socket.setTimeout, so it works on any Duplex.
      this.idleTimer = setInterval(() => {
        if (Date.now() - this.lastData >= idle) this.fail(new TimeoutError('RTMP_ERR_TIMEOUT', `no data received for ${idle} ms`))
      }, Math.max(10, Math.min(1000, idle / 4)))
      this.idleTimer.unref?.()
    }
    duplex.on('data', (chunk: Buffer) => this.onData(chunk))
    duplex.on('drain', () => this.flushDrainWaiters())
    duplex.once('end', () => {
      if (!this.ended) duplex.end()
    })
    duplex.once('error', (err: Error) => {
      this.closeError ??= err instanceof RtmpError ? err : new ClosedError('RTMP_ERR_CLOSED', `connection error: ${err.message}`, { cause: err })
    })
    duplex.once('close', () => this.onClosed())
    if (role === 'client') this.write([this.handshake!.start()])
  }

  /** true once the peer's C1/S1 carried a valid digest (the FP9 "complex" handshake) */
  get complexHandshake(): boolean {
    return this.handshake?.complex ?? this.peerComplex
  }

  /** Pauses / resumes reading from the Duplex (backpressure from a full media queue). */
  readonly flow = {
    pause: (): void => {
      this.duplex.pause()
    },
    resume: (): void => {
      this.duplex.resume()
    },
  }

  get isReady(): boolean {
    return this.ready
  }

  get closed(): boolean {
    return this.ended || this.duplex.destroyed
  }

  /**
   * Writes pieces in order, after any media held for a batch; returns false when the Duplex buffer is over
   * its high-water mark.
   */
  write(pieces: Uint8Array | readonly Uint8Array[]): boolean {
    const d = this.duplex
    if (this.ended || d.destroyed || d.writableEnded) return false
    if (this.held.length === 0) {
      if (pieces instanceof Uint8Array) return d.write(pieces)
      if (pieces.length === 1) return d.write(pieces[0])
    }
    d.cork()
    this.flushHeld()
    if (pieces instanceof Uint8Array) d.write(pieces)
    else for (const p of pieces) d.write(p)
    d.uncork()
    return !d.writableNeedDrain
  }

  /**
   * Writes media pieces: at once, or held for up to `writeBatchMs` with the media written meanwhile, then
   * written together. Returns false when the bytes held and queued are over the Duplex's high-water mark.
   */
  writeMedia(pieces: Uint8Array | readonly Uint8Array[]): boolean {
    const d = this.duplex
    if (this.batchMs === 0) {
      // The first media write in a turn of the event loop goes out at once; later ones in the same turn
      // (a GOP replayed to a joiner, several messages from one read of the publisher) are corked until the
      // turn ends, or 64 KiB are corked, and go out together: fewer system calls, no added latency. (A turn
      // can be long when a source writes in a loop of promises; the cap keeps corked bytes from looking like
      // a slow player.)
      if (this.tickEpoch !== tick.epoch) this.tickEpoch = tick.epoch
      else if (!this.tickCorked && !this.ended && !d.destroyed && !d.writableEnded) {
        this.tickCorked = true
        this.tickBytes = 0
        d.cork()
        tick.corked.push(this)
      }
      tick.schedule()
      const ok = this.write(pieces)
      if (this.tickCorked) {
        this.tickBytes += byteLength(pieces)
        if (this.tickBytes >= BATCH_FLUSH_BYTES) {
          this.uncorkTick()
          return !d.writableNeedDrain
        }
      }
      return ok
    }
    if (this.ended || d.destroyed || d.writableEnded) return false
    const first = this.held.length === 0
    if (pieces instanceof Uint8Array) this.hold(pieces)
    else for (const p of pieces) this.hold(p)
    if (this.heldBytes >= BATCH_FLUSH_BYTES) this.flush()
    else if (first) this.batches!.add(this)
    return this.pendingBytes < d.writableHighWaterMark
  }

  /**
   * Writes bytes a live stream batched for many connections itself (its fan-out lane): at once after any
   * media held here when this transport batches too, otherwise as `writeMedia` does.
   */
  writeShared(bytes: Uint8Array): boolean {
    return this.batchMs === 0 ? this.writeMedia(bytes) : this.write(bytes)
  }

  /** the Duplex's write high-water mark */
  get writeHighWaterMark(): number {
    return this.duplex.writableHighWaterMark
  }

  /** Writes the media held for a batch now (one cork: one system call where the Duplex allows). */
  flush(): void {
    if (this.held.length === 0) return
    const d = this.duplex
    if (this.ended || d.destroyed || d.writableEnded) return this.dropHeld()
    d.cork()
    this.flushHeld()
    d.uncork()
  }

  /** Bytes queued in the Duplex and not yet taken by the OS, media held for a batch included. */
  get pendingBytes(): number {
    return this.duplex.writableLength + this.heldBytes
  }

  /** Resolves once the Duplex has drained (at once if it is not backed up, or closed). */
  drained(): Promise<void> {
    if (!this.duplex.writableNeedDrain || this.closed) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  /** Ends gracefully after what was written is flushed. */
  end(): void {
    if (this.ended) return
    this.flush()
    this.ended = true
    this.duplex.end()
    // A peer that never closes its side must not keep us open forever.
    const t = setTimeout(() => this.duplex.destroy(), 2000)
    t.unref?.()
  }

  /** Ends this connection with `error` (reported to onClose). */
  fail(error: RtmpError): void {
    this.closeError ??= error
    debug('connection failed: %s %s', error.code, error.message)
    this.ended = true
    this.duplex.destroy()
  }

  private onData(chunk: Uint8Array): void {
    if (this.ended && this.closeError) return
    this.lastData = Date.now()
    try {
      if (!this.ready) {
        this.handshakeBytes += chunk.length
        const handshake = this.handshake!
        const r = handshake.receive(chunk)
        if (r.send.length > 0) this.write(r.send)
        if (!r.done) return
        this.ready = true
        this.peerComplex = handshake.complex
        this.handshake = undefined
        clearTimeout(this.handshakeTimer)
        this.hooks.onReady(r.rest)
        return
      }
      this.hooks.onBytes(chunk)
    } catch (err) {
      this.fail(err instanceof RtmpError ? err : new RtmpError('RTMP_ERR_PROTOCOL', `internal error: ${String(err)}`, { cause: err }))
    }
  }

  /** @internal the turn of the event loop in which media writes were corked ended */
  uncorkTick(): void {
    if (!this.tickCorked) return
    this.tickCorked = false
    this.duplex.uncork()
  }

  private hold(p: Uint8Array): void {
    this.held.push(p)
    this.heldBytes += p.length
  }

  /** Writes the held pieces into the (corked) Duplex. */
  private flushHeld(): void {
    const held = this.held
    this.held = []
    this.heldBytes = 0
    for (const p of held) this.duplex.write(p)
  }

  private dropHeld(): void {
    this.held = []
    this.heldBytes = 0
  }

  private flushDrainWaiters(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w()
  }

  private onClosed(): void {
    clearTimeout(this.handshakeTimer)
    clearInterval(this.idleTimer)
    this.ended = true
    this.dropHeld()
    this.flushDrainWaiters()
    let error = this.closeError
    // a peer that sent part of a handshake and left is reported; one that sent nothing (a port probe, a load
    // balancer's health check) is a plain close
    if (!error && !this.ready && this.handshakeBytes > 0) {
      error = new HandshakeError('RTMP_ERR_HANDSHAKE_TRUNCATED', `peer closed the connection after ${this.handshakeBytes} handshake bytes`)
    }
    if (!error && !this.ready) error = new ClosedError('RTMP_ERR_CLOSED', 'connection closed during the handshake')
    try {
      this.hooks.onClose(error)
    } catch (err) {
      debug('close handler threw: %s', String(err))
    }
  }
}

function byteLength(pieces: Uint8Array | readonly Uint8Array[]): number {
  if (pieces instanceof Uint8Array) return pieces.length
  let n = 0
  for (const p of pieces) n += p.length
  return n
}

/**
 * Turns of the event loop for `writeMedia`: the epoch changes (and corked transports are uncorked) in a
 * `process.nextTick` after the first media write of a turn, so once per turn, whatever the number of players.
 */
const tick = {
  epoch: 0,
  scheduled: false,
  corked: [] as DuplexTransport[],
  schedule(): void {
    if (tick.scheduled) return
    tick.scheduled = true
    process.nextTick(endTick)
  },
}

function endTick(): void {
  tick.scheduled = false
  tick.epoch++
  const corked = tick.corked
  tick.corked = []
  for (const t of corked) t.uncorkTick()
}

/**
 * Transports with media held for a batch of `ms`, flushed together by one timer: one timer per batch time,
 * not one per connection, and every player's batch goes out in the same turn of the event loop.
 */
class BatchQueue {
  private waiting = new Set<DuplexTransport>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly ms: number) {}

  add(t: DuplexTransport): void {
    this.waiting.add(t)
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.run(), this.ms)
      this.timer.unref?.()
    }
  }

  private run(): void {
    this.timer = undefined
    const due = this.waiting
    this.waiting = new Set()
    for (const t of due) t.flush()
  }
}

const batchQueues = new Map<number, BatchQueue>()

function batchQueue(ms: number): BatchQueue {
  let q = batchQueues.get(ms)
  if (q === undefined) batchQueues.set(ms, (q = new BatchQueue(ms)))
  return q
}
