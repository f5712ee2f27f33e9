import { describe, expect, it } from 'vitest'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RawMessage } from '../../src/chunk/raw-message'
import { decodeMessage, encodeMessage } from '../../src/message/message-codec'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { ClientSession, type ClientSessionAction } from '../../src/session/client-session'
import type { ClientSessionEvent } from '../../src/session/client-events'

/** Plays the server by hand: chunks messages to the client and decodes what the client sends. */
class FakeServer {
  readonly writer = new ChunkWriter()
  readonly reader = new ChunkReader()
  readonly fromClient: Array<{ raw: RawMessage; msg: RtmpMessage }> = []
  readonly events: ClientSessionEvent[] = []

  constructor(readonly client: ClientSession) {}

  run(actions: readonly ClientSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') for (const d of a.data) this.reader.receive(d, (raw) => this.fromClient.push({ raw, msg: decodeMessage(raw) }))
      else if (a.type === 'event') this.events.push(a.event)
    }
  }

  send(msg: RtmpMessage, streamId = 0, timestamp = 0, csid = 3): number {
    const { typeId, payload } = encodeMessage(msg)
    const pieces = this.writer.write({ typeId, streamId, timestamp, payload }, csid)
    let n = 0
    for (const p of pieces) {
      n += p.length
      this.run(this.client.receive(p))
    }
    if (msg.type === 'setChunkSize') this.writer.setChunkSize(msg.chunkSize)
    return n
  }

  sent(type: RtmpMessage['type']): RtmpMessage[] {
    return this.fromClient.filter((m) => m.msg.type === type).map((m) => m.msg)
  }

  connectOk(): void {
    this.send({ type: 'command', encoding: 'amf0', name: '_result', transactionId: 1, commandObject: { fmsVer: 'FMS/3,5,7,7009' }, args: [{ level: 'status', code: 'NetConnection.Connect.Success', description: 'ok' }] })
  }
}

function connected(): { client: ClientSession; server: FakeServer } {
  const client = new ClientSession({ chunkSize: 4096 })
  const server = new FakeServer(client)
  server.run(client.connect({ app: 'live', tcUrl: 'rtmp://h/live' }))
  server.connectOk()
  return { client, server }
}

describe('ClientSession', () => {
  it('sends Set Chunk Size and a connect command like an encoder', () => {
    const client = new ClientSession({ chunkSize: 4096 })
    const server = new FakeServer(client)
    server.run(client.connect({ app: 'live', tcUrl: 'rtmp://h/live', extra: { fourCcList: ['hvc1'] } }))
    expect(server.sent('setChunkSize')).toEqual([{ type: 'setChunkSize', chunkSize: 4096 }])
    const [connect] = server.sent('command')
    expect(connect).toMatchObject({ name: 'connect', transactionId: 1, commandObject: { app: 'live', tcUrl: 'rtmp://h/live', flashVer: 'FMLE/3.0 (compatible; rtmp-kit)', fourCcList: ['hvc1'] } })
    expect(client.state).toBe('connecting')
  })

  it('reports the connect _result as connected and an _error as rejected', () => {
    const { client, server } = connected()
    expect(client.state).toBe('connected')
    expect(server.events[0]).toMatchObject({ type: 'connected', properties: { fmsVer: 'FMS/3,5,7,7009' } })

    const other = new ClientSession()
    const fake = new FakeServer(other)
    fake.run(other.connect({ app: 'live', tcUrl: 'rtmp://h/live' }))
    fake.send({ type: 'command', encoding: 'amf0', name: '_error', transactionId: 1, commandObject: null, args: [{ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'nope' }] })
    expect(fake.events).toEqual([{ type: 'connectRejected', status: { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'nope' }, info: { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'nope' } }])
    expect(other.state).toBe('rejected')
  })

  it('refuses to publish before it is connected', () => {
    const client = new ClientSession()
    expect(() => client.publish(1, 'x')).toThrow(expect.objectContaining({ code: 'RTMP_ERR_INVALID_STATE' }))
  })

  it('acknowledges at the window the server asked for, with the total received', () => {
    const { server } = connected()
    let total = server.send({ type: 'windowAckSize', size: 1000 }, 0, 0, 2)
    expect(server.sent('acknowledgement')).toEqual([])
    for (let i = 0; i < 5; i++) total += server.send({ type: 'audio', data: new Uint8Array(300) }, 1, i, 6)
    const acks = server.sent('acknowledgement')
    expect(acks.length).toBe(1)
    expect(acks[0]).toMatchObject({ type: 'acknowledgement' })
    const seq = (acks[0] as { sequenceNumber: number }).sequenceNumber
    expect(seq).toBeGreaterThanOrEqual(1000)
    expect(seq).toBeLessThanOrEqual(total)
  })

  it('answers a ping request with the same timestamp, and a peer bandwidth with its window', () => {
    const { server } = connected()
    server.send({ type: 'userControl', event: { kind: 'pingRequest', timestamp: 777 } }, 0, 0, 2)
    expect(server.sent('userControl')).toContainEqual({ type: 'userControl', event: { kind: 'pingResponse', timestamp: 777 } })
    server.send({ type: 'setPeerBandwidth', size: 5_000_000, limitType: 2 }, 0, 0, 2)
    expect(server.sent('windowAckSize')).toEqual([{ type: 'windowAckSize', size: 5_000_000 }])
  })

  it('follows a Set Chunk Size from the server', () => {
    const { server } = connected()
    server.send({ type: 'setChunkSize', chunkSize: 60_000 }, 0, 0, 2)
    server.send({ type: 'video', data: new Uint8Array(50_000).fill(7) }, 1, 40, 7)
    const video = server.events.filter((e) => e.type === 'video')
    expect(video).toHaveLength(1)
    expect(video[0]).toMatchObject({ streamId: 1, timestamp: 40 })
  })

  it('splits an aggregate message into its media with rebased timestamps', () => {
    const { server } = connected()
    // two FLV-tag-shaped sub-messages: audio at 1000, video at 1040; the aggregate itself is stamped 5000
    const sub = (type: number, ts: number, body: number[]): number[] => {
      const size = body.length
      return [type, 0, 0, size, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, 0, 0, 0, 0, ...body, 0, 0, 0, size + 11]
    }
    const payload = Uint8Array.from([...sub(8, 1000, [0xaf, 1, 1]), ...sub(9, 1040, [0x27, 1, 0, 0, 0, 2])])
    server.send({ type: 'aggregate', payload }, 1, 5000, 5)
    const media = server.events.filter((e) => e.type === 'audio' || e.type === 'video')
    expect(media.map((e) => [e.type, 'timestamp' in e ? e.timestamp : -1])).toEqual([
      ['audio', 5000],
      ['video', 5040],
    ])
  })

  it('reports onStatus per stream and server calls it does not know', () => {
    const { server } = connected()
    server.send({ type: 'command', encoding: 'amf0', name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level: 'status', code: 'NetStream.Play.Start', description: 'go' }] }, 1, 0, 5)
    server.send({ type: 'command', encoding: 'amf0', name: 'close', transactionId: 0, commandObject: null, args: [] })
    expect(server.events.map((e) => e.type)).toEqual(['connected', 'status', 'serverCommand'])
    expect(server.events[1]).toMatchObject({ streamId: 1, status: { code: 'NetStream.Play.Start' } })
  })

  it('plays with SetBufferLength and publishes with the mode given', () => {
    const { client, server } = connected()
    server.run(client.play(1, 'cam?x=1', { start: -1 }, 1500))
    server.run(client.publish(2, 'out', 'record'))
    const commands = server.sent('command').slice(1)
    expect(commands).toMatchObject([
      { name: 'play', args: ['cam?x=1', -1, -1] },
      { name: 'publish', args: ['out', 'record'] },
    ])
    expect(server.sent('userControl')).toContainEqual({ type: 'userControl', event: { kind: 'setBufferLength', streamId: 1, bufferLength: 1500 } })
  })
})
