import { describe, expect, it } from 'vitest'
import { command } from '../../src/message/command'
import { data } from '../../src/message/data-message'
import { decodeMessage, encodeMessage } from '../../src/message/message-codec'
import { MessageType } from '../../src/message/message-type'
import { NetConnectionCode, NetStreamCode, statusInfo } from '../../src/message/status'

describe('command()', () => {
  it('builds an AMF0 command with its arguments', () => {
    expect(command('play', 4, null, 'cam1', -2000)).toStrictEqual({
      type: 'command',
      encoding: 'amf0',
      name: 'play',
      transactionId: 4,
      commandObject: null,
      args: ['cam1', -2000],
    })
  })

  it('round-trips through the codec as a type 20 message', () => {
    const msg = command('createStream', 2, null)
    const { typeId, payload } = encodeMessage(msg)
    expect(typeId).toBe(MessageType.CommandAmf0)
    expect(decodeMessage({ typeId, streamId: 0, timestamp: 0, payload })).toStrictEqual(msg)
  })

  it('writes the 0x00 prefix for an amf3 command', () => {
    const { typeId, payload } = encodeMessage({ ...command('createStream', 2, null), encoding: 'amf3' })
    expect(typeId).toBe(MessageType.CommandAmf3)
    expect(payload[0]).toBe(0)
    expect(payload[1]).toBe(0x02) // then the AMF0 string marker of the name
  })
})

describe('data()', () => {
  it('builds an AMF0 data message', () => {
    expect(data('|RtmpSampleAccess', true, true)).toStrictEqual({
      type: 'data',
      encoding: 'amf0',
      values: ['|RtmpSampleAccess', true, true],
    })
  })
})

describe('status codes', () => {
  it('spell the codes players and publishers check', () => {
    expect(NetConnectionCode.ConnectSuccess).toBe('NetConnection.Connect.Success')
    expect(NetConnectionCode.ConnectRejected).toBe('NetConnection.Connect.Rejected')
    expect(NetStreamCode.PublishStart).toBe('NetStream.Publish.Start')
    expect(NetStreamCode.PublishBadName).toBe('NetStream.Publish.BadName')
    expect(NetStreamCode.PlayStreamNotFound).toBe('NetStream.Play.StreamNotFound')
    expect(NetStreamCode.PlayUnpublishNotify).toBe('NetStream.Play.UnpublishNotify')
  })

  it('every code is prefixed by its class', () => {
    for (const code of Object.values(NetConnectionCode)) expect(code).toMatch(/^NetConnection\.[A-Za-z]+\.[A-Za-z]+$/)
    for (const code of Object.values(NetStreamCode)) expect(code).toMatch(/^NetStream\.[A-Za-z]+(\.[A-Za-z]+)?$/)
  })
})

describe('statusInfo()', () => {
  it('puts level, code and description first', () => {
    const info = statusInfo('status', NetStreamCode.PlayStart, 'Started playing cam1.')
    expect(info).toStrictEqual({ level: 'status', code: 'NetStream.Play.Start', description: 'Started playing cam1.' })
    expect(Object.keys(info)).toEqual(['level', 'code', 'description'])
  })

  it('appends extra fields after them', () => {
    const info = statusInfo('error', NetStreamCode.PlayStreamNotFound, 'No such stream.', { details: 'cam1' })
    expect(Object.keys(info)).toEqual(['level', 'code', 'description', 'details'])
    expect(info['details']).toBe('cam1')
  })
})
