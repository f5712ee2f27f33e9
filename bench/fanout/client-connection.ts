// A client RTMP connection on the sans-IO core (Handshake + ClientSession) over one TCP socket: what the
// bench's players and publisher are built on. The session parses chunks and acknowledges the server's window.
import { connect, type Socket } from 'node:net'
import { ClientSession, Handshake, type ClientSessionAction, type ClientSessionEvent } from 'rtmp-kit'

export interface ConnectionTarget {
  readonly host: string
  readonly port: number
  readonly app: string
}

export interface ConnectionHandlers {
  /** every session event, in order; `connected` comes after the server accepted connect */
  event(e: ClientSessionEvent): void
  /** the connection failed or closed (once) */
  ended(reason: string): void
}

export class ClientConnection {
  readonly session = new ClientSession()
  private readonly handshake = new Handshake('client')
  private readonly socket: Socket
  private readonly handlers: ConnectionHandlers
  private done = false

  /** Connects at once; the handshake and connect command follow by themselves. */
  constructor(target: ConnectionTarget, handlers: ConnectionHandlers, flashVer: string) {
    this.handlers = handlers
    const socket = connect({ host: target.host, port: target.port })
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('connect', () => socket.write(this.handshake.start()))
    socket.on('data', (bytes: Buffer) => {
      try {
        this.receive(bytes, target, flashVer)
      } catch (err) {
        this.end(err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err))
      }
    })
    socket.on('error', (err) => this.end(`socket: ${(err as NodeJS.ErrnoException).code ?? err.message}`))
    socket.on('close', () => this.end('connection closed'))
  }

  /**
   * Carries out session actions in order (bytes to the socket, events to the handler).
   * @returns false when the socket's buffer is full (wait for `drained()`)
   */
  run(actions: readonly ClientSessionAction[]): boolean {
    let ok = true
    for (const a of actions) {
      if (a.type === 'send') for (const d of a.data) ok = this.socket.write(d)
      else if (a.type === 'event') this.handlers.event(a.event)
      else this.end(`session closed: ${a.reason}`)
    }
    return ok
  }

  drained(): Promise<void> {
    return this.socket.writableNeedDrain ? new Promise((resolve) => this.socket.once('drain', resolve)) : Promise.resolve()
  }

  end(reason: string): void {
    if (this.done) return
    this.done = true
    this.session.closed()
    this.socket.destroy()
    this.handlers.ended(reason)
  }

  private receive(bytes: Uint8Array, target: ConnectionTarget, flashVer: string): void {
    if (!this.handshake.done) {
      const r = this.handshake.receive(bytes)
      for (const b of r.send) this.socket.write(b)
      if (!r.done) return
      this.run(this.session.connect({ app: target.app, tcUrl: `rtmp://${target.host}:${target.port}/${target.app}`, flashVer }))
      bytes = r.rest
      if (bytes.length === 0) return
    }
    this.run(this.session.receive(bytes))
  }
}
