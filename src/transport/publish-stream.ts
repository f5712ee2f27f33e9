import type { AmfValue } from '../amf/amf-value'
import type { PublishMode } from '../session/server-events'
import { MediaReader, type FlowSwitch } from './media-reader'
import type { ServerConnection } from './server-connection'

/**
 * Media arriving from a publisher on the server: `media` events and an async iterator of MediaMessage
 * (audio/video payloads as FLV tag bodies; data as AMF0 bytes with `@setDataFrame` removed).
 */
export class PublishStream extends MediaReader {
  /** Last onMetaData values the publisher sent (`['onMetaData', {...}]`), if any. */
  metadata: readonly AmfValue[] | undefined

  constructor(
    readonly connection: ServerConnection,
    readonly streamId: number,
    readonly streamName: string,
    readonly query: Readonly<Record<string, string>>,
    readonly mode: PublishMode,
    flow: FlowSwitch,
    onReturn: () => void,
  ) {
    super(flow, onReturn)
  }

  get app(): string {
    return this.connection.app
  }
}
