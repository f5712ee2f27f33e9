import type { AmfValue } from '../../src/amf/amf-value'
import type { RtmpMessage } from '../../src/message/rtmp-message'

/** An AMF0 command message (type 20), as clients send connect, createStream, publish and play. */
export const command = (name: string, transactionId: number, commandObject: AmfValue, ...args: AmfValue[]): RtmpMessage => ({
  type: 'command',
  encoding: 'amf0',
  name,
  transactionId,
  commandObject,
  args,
})
