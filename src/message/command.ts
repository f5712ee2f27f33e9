import type { AmfLimits } from '../amf/amf-limits'
import type { AmfValue } from '../amf/amf-value'
import { MessageError } from '../errors'
import { decodeAmfBody, encodeAmfBody } from './data-message'
import { MessageType } from './message-type'
import type { AmfEncoding, CommandMessage } from './rtmp-message'

/** Type id carrying a command in the given encoding. */
export function commandTypeId(encoding: AmfEncoding): number {
  return encoding === 'amf3' ? MessageType.CommandAmf3 : MessageType.CommandAmf0
}

/**
 * Command (20 AMF0, 17 AMF3; RTMP 1.0 §7.2): name (string), transaction id (number), command object
 * (any value, usually an object or null), then the arguments. Type 17 has one leading byte first
 * (see `decodeAmfBody`).
 *
 * Lenient where real peers are: a missing transaction id reads as 0 (servers send `onStatus` with 0 anyway)
 * and a missing command object as null. A value that is present with the wrong type is an error, so is a
 * missing name. Only a payload this function produced, or one with all four parts, re-encodes byte for byte.
 *
 * @throws {MessageError} invalid AMF (cause: `AmfError`), no name, a name that is not a string, or a
 *   transaction id that is not a number.
 */
export function decodeCommand(
  encoding: AmfEncoding,
  payload: Uint8Array,
  limits?: Partial<AmfLimits>,
): CommandMessage {
  const typeId = commandTypeId(encoding)
  const values = decodeAmfBody(typeId, encoding, payload, limits)
  const name = values[0]
  if (values.length === 0) throw new MessageError(typeId, 'command has no name')
  if (typeof name !== 'string') throw new MessageError(typeId, `command name must be a string, got ${describe(name)}`)
  // Checked by length, not `?? default`: an AMF `undefined` that is present must survive the round trip.
  const transactionId = values.length > 1 ? values[1] : 0
  if (typeof transactionId !== 'number') {
    throw new MessageError(typeId, `command ${name}: transaction id must be a number, got ${describe(transactionId)}`)
  }
  const commandObject = values.length > 2 ? values[2] : null
  return { type: 'command', encoding, name, transactionId, commandObject, args: values.slice(3) }
}

/** Always writes name, transaction id and command object, then the args. @throws {MessageError} see `encodeAmfBody`. */
export function encodeCommand(msg: CommandMessage): Uint8Array {
  return encodeAmfBody(commandTypeId(msg.encoding), msg.encoding, [
    msg.name,
    msg.transactionId,
    msg.commandObject,
    ...msg.args,
  ])
}

/** Builds an AMF0 command, e.g. `command('createStream', 4, null)` or `command('play', 0, null, 'cam1', -2)`. */
export function command(
  name: string,
  transactionId: number,
  commandObject: AmfValue,
  ...args: AmfValue[]
): CommandMessage {
  return { type: 'command', encoding: 'amf0', name, transactionId, commandObject, args }
}

function describe(v: AmfValue | undefined): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}
