import type { Duplex } from 'node:stream'
import { ClosedError, HandshakeError, RtmpError, TimeoutError } from '../errors'
import { Handshake, type HandshakeOptions } from '../handshake/handshake'
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
}

/**
 * Glue between a Duplex and the pure layers: runs the handshake, then hands bytes to the session. It is the
 * single catch point: anything a pure layer throws ends this connection (`destroy(err)`) and nothing else.
 */
export class DuplexTransport {
  readonly duplex: Duplex
  private readonly handshake: Handshake
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

  constructor(duplex: Duplex, role: 'client' | 'server', hooks: TransportHooks, options: TransportOptions = {}) {
    this.duplex = duplex
    this.hooks = hooks
    this.handshake = new Handshake(role, options.handshake)
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
    if (role === 'client') this.write([this.handshake.start()])
  }

  /** true once the peer's C1/S1 carried a valid digest (the FP9 "complex" handshake) */
  get complexHandshake(): boolean {
    return this.handshake.complex
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

  /** Writes pieces in order; returns false when the Duplex buffer is over its high-water mark. */
  write(pieces: readonly Uint8Array[]): boolean {
    const d = this.duplex
    if (this.ended || d.destroyed || d.writableEnded) return false
    if (pieces.length === 1) return d.write(pieces[0])
    d.cork()
    for (const p of pieces) d.write(p)
    d.uncork()
    return !d.writableNeedDrain
  }

  /** Bytes queued in the Duplex and not yet taken by the OS. */
  get pendingBytes(): number {
    return this.duplex.writableLength
  }

  /** Resolves once the Duplex has drained (at once if it is not backed up, or closed). */
  drained(): Promise<void> {
    if (!this.duplex.writableNeedDrain || this.closed) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  /** Ends gracefully after what was written is flushed. */
  end(): void {
    if (this.ended) return
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
        const r = this.handshake.receive(chunk)
        if (r.send.length > 0) this.write(r.send)
        if (!r.done) return
        this.ready = true
        clearTimeout(this.handshakeTimer)
        this.hooks.onReady(r.rest)
        return
      }
      this.hooks.onBytes(chunk)
    } catch (err) {
      this.fail(err instanceof RtmpError ? err : new RtmpError('RTMP_ERR_PROTOCOL', `internal error: ${String(err)}`, { cause: err }))
    }
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
