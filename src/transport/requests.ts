import type { AmfObject, AmfValue } from '../amf/amf-value'
import { SessionStateError } from '../errors'
import type { Capabilities } from '../session/capabilities'
import type { PublishMode } from '../session/server-events'
import type { RejectStatus } from '../session/server-session'
import type { PlayStream } from './play-stream'
import type { PublishStream } from './publish-stream'
import type { ServerConnection } from './server-connection'

/** What a request needs from its connection (kept narrow so requests stay simple objects). */
export interface RequestOwner<Accepted> {
  accept(requestId: number): Accepted
  reject(requestId: number, status: RejectStatus): void
}

type Answer = 'pending' | 'accepted' | 'rejected'

abstract class Request<Accepted> {
  private answer: Answer = 'pending'
  private timer: NodeJS.Timeout | undefined

  constructor(
    protected readonly owner: RequestOwner<Accepted>,
    readonly requestId: number,
    readonly connection: ServerConnection,
    timeoutMs: number,
    private readonly kind: string,
  ) {
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        if (this.answer === 'pending') this.reject(undefined, `${kind} request not answered within ${timeoutMs} ms`)
      }, timeoutMs)
      this.timer.unref?.()
    }
  }

  get state(): Answer {
    return this.answer
  }

  protected settle(to: Answer): void {
    if (this.answer !== 'pending') {
      throw new SessionStateError('RTMP_ERR_INVALID_STATE', `${this.kind} request ${this.requestId} was already ${this.answer}`)
    }
    this.answer = to
    clearTimeout(this.timer)
  }

  /** Accepts the request. @throws SessionStateError RTMP_ERR_INVALID_STATE if it was answered already */
  accept(): Accepted {
    this.settle('accepted')
    return this.owner.accept(this.requestId)
  }

  /** Rejects with a status code (default per request kind) and description. @throws SessionStateError if already answered */
  reject(code?: string, description?: string): void {
    this.settle('rejected')
    const status: RejectStatus = {}
    if (code !== undefined) status.code = code
    if (description !== undefined) status.description = description
    this.owner.reject(this.requestId, status)
  }
}

export interface ConnectInfo {
  readonly app: string
  readonly tcUrl: string | undefined
  readonly query: Readonly<Record<string, string>>
  readonly commandObject: AmfObject
  readonly args: readonly AmfValue[]
}

/** A client's connect. Default without a listener: accepted. A rejected connect closes the connection. */
export class ConnectRequest extends Request<void> implements ConnectInfo {
  constructor(
    owner: RequestOwner<void>,
    requestId: number,
    connection: ServerConnection,
    timeoutMs: number,
    readonly app: string,
    readonly tcUrl: string | undefined,
    readonly query: Readonly<Record<string, string>>,
    readonly commandObject: AmfObject,
    readonly args: readonly AmfValue[],
  ) {
    super(owner, requestId, connection, timeoutMs, 'connect')
  }

  /** What the client announced in its connect (Enhanced RTMP fourCcList, FourCC info maps, capsEx); empty for a legacy client. */
  get capabilities(): Capabilities {
    return this.connection.capabilities
  }
}

/** A publish. Default without a listener: the server's live router takes it (Publish.BadName if the name is live). */
export class PublishRequest extends Request<PublishStream> {
  constructor(
    owner: RequestOwner<PublishStream>,
    requestId: number,
    connection: ServerConnection,
    timeoutMs: number,
    readonly streamId: number,
    readonly streamName: string,
    readonly query: Readonly<Record<string, string>>,
    readonly mode: PublishMode,
  ) {
    super(owner, requestId, connection, timeoutMs, 'publish')
  }

  get app(): string {
    return this.connection.app
  }
}

/** A play. Default without a listener: the server's live router takes it. */
export class PlayRequest extends Request<PlayStream> {
  constructor(
    owner: RequestOwner<PlayStream>,
    requestId: number,
    connection: ServerConnection,
    timeoutMs: number,
    readonly streamId: number,
    readonly streamName: string,
    readonly query: Readonly<Record<string, string>>,
    readonly start: number,
    readonly duration: number,
    readonly reset: boolean,
  ) {
    super(owner, requestId, connection, timeoutMs, 'play')
  }

  get app(): string {
    return this.connection.app
  }
}
