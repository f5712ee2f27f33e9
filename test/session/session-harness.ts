import { ClientSession, type ClientSessionAction } from '../../src/session/client-session'
import type { ClientSessionEvent } from '../../src/session/client-events'
import { ServerSession, type ServerSessionAction, type ServerSessionOptions } from '../../src/session/server-session'
import type { ServerSessionEvent } from '../../src/session/server-events'
import type { SessionOptions } from '../../src/session/session-options'

/** The union members whose `type` can be T (works for members typed `'audio' | 'video'`). */
type EventOf<E extends { type: string }, T extends string> = E extends unknown ? (T extends E['type'] ? E : never) : never

/** A ServerSession and a ClientSession wired back to back with no I/O: every `send` is delivered to the other side. */
export class SessionPair {
  readonly server: ServerSession
  readonly client: ClientSession
  readonly serverEvents: ServerSessionEvent[] = []
  readonly clientEvents: ClientSessionEvent[] = []
  serverClosed: string | undefined
  /** bytes the server sent, in order */
  readonly serverBytes: Uint8Array[] = []

  constructor(serverOptions: ServerSessionOptions = {}, clientOptions: SessionOptions = {}) {
    this.server = new ServerSession(serverOptions)
    this.client = new ClientSession(clientOptions)
  }

  /** Carries out server actions: sends reach the client, events are recorded. */
  fromServer(actions: readonly ServerSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        for (const d of a.data) this.serverBytes.push(d)
        for (const d of a.data) this.fromClient(this.client.receive(d))
      } else if (a.type === 'event') this.serverEvents.push(a.event)
      else this.serverClosed = a.reason
    }
  }

  /** Carries out client actions: sends reach the server, events are recorded. */
  fromClient(actions: readonly ClientSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') for (const d of a.data) this.fromServer(this.server.receive(d))
      else if (a.type === 'event') this.clientEvents.push(a.event)
    }
  }

  lastServerEvent<T extends ServerSessionEvent['type']>(type: T): EventOf<ServerSessionEvent, T> {
    for (let i = this.serverEvents.length - 1; i >= 0; i--) {
      const e = this.serverEvents[i]!
      if (e.type === type) return e as EventOf<ServerSessionEvent, T>
    }
    throw new Error(`no server event ${type}; got ${this.serverEvents.map((e) => e.type).join(', ')}`)
  }

  lastClientEvent<T extends ClientSessionEvent['type']>(type: T): EventOf<ClientSessionEvent, T> {
    for (let i = this.clientEvents.length - 1; i >= 0; i--) {
      const e = this.clientEvents[i]!
      if (e.type === type) return e as EventOf<ClientSessionEvent, T>
    }
    throw new Error(`no client event ${type}; got ${this.clientEvents.map((e) => e.type).join(', ')}`)
  }

  clientStatuses(): string[] {
    return this.clientEvents.flatMap((e) => (e.type === 'status' ? [e.status.code] : []))
  }

  /** connect + accept */
  connect(app = 'live'): void {
    this.fromClient(this.client.connect({ app, tcUrl: `rtmp://127.0.0.1/${app}` }))
    const req = this.lastServerEvent('connectRequested')
    this.fromServer(this.server.accept(req.requestId))
  }

  /** createStream; returns the stream id */
  createStream(): number {
    const r = this.client.createStream()
    this.fromClient(r.actions)
    const e = this.lastClientEvent('streamCreated')
    if (e.transactionId !== r.transactionId) throw new Error('streamCreated for another transaction')
    return e.streamId
  }

  startPublishing(name: string): number {
    const id = this.createStream()
    this.fromClient(this.client.publish(id, name))
    this.fromServer(this.server.accept(this.lastServerEvent('publishRequested').requestId))
    return id
  }

  startPlaying(name: string): number {
    const id = this.createStream()
    this.fromClient(this.client.play(id, name))
    this.fromServer(this.server.accept(this.lastServerEvent('playRequested').requestId))
    return id
  }
}
