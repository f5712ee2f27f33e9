import { describe, expect, it } from 'vitest'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import { RtmpError } from '../../src/errors'
import { encodeMessage } from '../../src/message/message-codec'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { ServerSession, type ServerSessionAction } from '../../src/session/server-session'
import type { ServerSessionEvent } from '../../src/session/server-events'
import { command as cmd } from '../helpers/command'
import { bytewise, randomSplits } from '../helpers/split'
import { createRng } from '../helpers/rng'
import { SessionPair } from './session-harness'

const events = (actions: readonly ServerSessionAction[]): ServerSessionEvent[] =>
  actions.flatMap((a) => (a.type === 'event' ? [a.event] : []))

/** Chunks messages the way a client would send them (default chunk size 128, csid 3). */
function clientBytes(messages: ReadonlyArray<{ msg: RtmpMessage; streamId?: number; timestamp?: number; csid?: number }>, chunkSize = 128): Uint8Array[] {
  const writer = new ChunkWriter({ chunkSize })
  return messages.flatMap(({ msg, streamId = 0, timestamp = 0, csid = 3 }) => {
    const { typeId, payload } = encodeMessage(msg)
    return writer.write({ typeId, streamId, timestamp, payload }, csid)
  })
}

describe('ServerSession', () => {
  it('reports connect as a request and answers only after accept', () => {
    const pair = new SessionPair()
    pair.fromClient(pair.client.connect({ app: 'live', tcUrl: 'rtmp://h/live' }))
    const req = pair.lastServerEvent('connectRequested')
    expect(req.app).toBe('live')
    expect(req.tcUrl).toBe('rtmp://h/live')
    expect(pair.clientEvents).toEqual([])
    pair.fromServer(pair.server.accept(req.requestId))
    const connected = pair.lastClientEvent('connected')
    expect(connected.info.code).toBe('NetConnection.Connect.Success')
    expect(connected.properties.fmsVer).toBe('FMS/3,0,1,123')
    expect(pair.server.state).toBe('connected')
  })

  it('can reject a connect, which answers _error and asks to close', () => {
    const pair = new SessionPair()
    pair.fromClient(pair.client.connect({ app: 'live', tcUrl: 'rtmp://h/live' }))
    pair.fromServer(pair.server.reject(pair.lastServerEvent('connectRequested').requestId, { description: 'no entry' }))
    const rejected = pair.lastClientEvent('connectRejected')
    expect(rejected.status).toEqual({ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no entry' })
    expect(pair.serverClosed).toMatch(/Rejected/)
    expect(pair.server.state).toBe('closed')
  })

  it('separates the query from the app and the stream name', () => {
    const pair = new SessionPair()
    pair.fromClient(pair.client.connect({ app: 'live?token=abc', tcUrl: 'rtmp://h/live?token=abc' }))
    const req = pair.lastServerEvent('connectRequested')
    expect(req.app).toBe('live')
    expect(req.query).toEqual({ token: 'abc' })
    pair.fromServer(pair.server.accept(req.requestId))
    const id = pair.createStream()
    pair.fromClient(pair.client.publish(id, 'cam1?key=secret&x=1'))
    const pub = pair.lastServerEvent('publishRequested')
    expect(pub.streamName).toBe('cam1')
    expect(pub.query).toEqual({ key: 'secret', x: '1' })
    expect(pub.mode).toBe('live')
  })

  it('can accept a publish and then reports media and metadata', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPublishing('cam1')
    expect(pair.clientStatuses()).toContain('NetStream.Publish.Start')
    pair.fromClient(pair.client.sendData(id, 0, ['@setDataFrame', 'onMetaData', { width: 640 }]))
    pair.fromClient(pair.client.sendVideo(id, 40, new Uint8Array([0x17, 0, 0, 0, 0])))
    pair.fromClient(pair.client.sendAudio(id, 41, new Uint8Array([0xaf, 1, 9])))
    const data = pair.lastServerEvent('data')
    expect(data.values).toEqual(['onMetaData', { width: 640 }])
    expect(pair.lastServerEvent('video')).toMatchObject({ streamId: id, timestamp: 40 })
    expect(pair.lastServerEvent('audio').data).toEqual(new Uint8Array([0xaf, 1, 9]))
  })

  it('rejects a publish with Publish.BadName by default and keeps the connection', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.createStream()
    pair.fromClient(pair.client.publish(id, 'taken'))
    pair.fromServer(pair.server.reject(pair.lastServerEvent('publishRequested').requestId))
    expect(pair.lastClientEvent('status').status).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' })
    expect(pair.server.state).toBe('connected')
    // the stream is idle again and can publish under another name
    pair.fromClient(pair.client.publish(id, 'other'))
    expect(pair.lastServerEvent('publishRequested').streamName).toBe('other')
  })

  it('starts play with StreamBegin, Play.Reset, Play.Start and |RtmpSampleAccess', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.createStream()
    pair.fromClient(pair.client.play(id, 'cam1', { start: -1, duration: -1, reset: true }))
    const req = pair.lastServerEvent('playRequested')
    expect(req).toMatchObject({ streamName: 'cam1', start: -1, duration: -1, reset: true })
    const before = pair.clientEvents.length
    pair.fromServer(pair.server.accept(req.requestId))
    const after = pair.clientEvents.slice(before).map((e) => (e.type === 'status' ? e.status.code : e.type === 'data' ? String(e.values[0]) : e.type))
    expect(after).toEqual(['streamBegin', 'NetStream.Play.Reset', 'NetStream.Play.Start', '|RtmpSampleAccess'])
  })

  it('rejects a play with Play.StreamNotFound by default', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.createStream()
    pair.fromClient(pair.client.play(id, 'nothing'))
    pair.fromServer(pair.server.reject(pair.lastServerEvent('playRequested').requestId))
    expect(pair.lastClientEvent('status').status.code).toBe('NetStream.Play.StreamNotFound')
  })

  it('sends media to a player and stops at pause, resuming at unpause', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPlaying('cam1')
    pair.fromServer(pair.server.sendVideo(id, 100, new Uint8Array([0x17, 1])))
    expect(pair.lastClientEvent('video')).toMatchObject({ streamId: id, timestamp: 100 })
    pair.fromClient(pair.client.pause(id, true, 100))
    expect(pair.lastServerEvent('pause')).toMatchObject({ paused: true, position: 100 })
    expect(pair.clientStatuses()).toContain('NetStream.Pause.Notify')
    expect(pair.server.sendVideo(id, 140, new Uint8Array([0x27, 1]))).toEqual([])
    pair.fromClient(pair.client.pause(id, false, 100))
    expect(pair.clientStatuses()).toContain('NetStream.Unpause.Notify')
    pair.fromServer(pair.server.sendAudio(id, 180, new Uint8Array([0xaf, 1])))
    expect(pair.lastClientEvent('audio').timestamp).toBe(180)
  })

  it('ends a play with StreamEOF and Play.UnpublishNotify', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPlaying('cam1')
    pair.fromServer(pair.server.endPlay(id))
    expect(pair.lastClientEvent('streamEof').streamId).toBe(id)
    expect(pair.clientStatuses().at(-1)).toBe('NetStream.Play.UnpublishNotify')
  })

  it('reports publishFinished on deleteStream and on transport close', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPublishing('cam1')
    pair.fromClient(pair.client.deleteStream(id))
    expect(pair.lastServerEvent('publishFinished')).toEqual({ type: 'publishFinished', streamId: id, streamName: 'cam1' })

    const other = new SessionPair()
    other.connect()
    const id2 = other.startPublishing('cam2')
    expect(events(other.server.closed())).toEqual([{ type: 'publishFinished', streamId: id2, streamName: 'cam2' }])
  })

  it('answers an unknown command with _error and reports it', () => {
    const pair = new SessionPair()
    pair.connect()
    const r = pair.client.call('doSomething', null, [1, 'two'])
    pair.fromClient(r.actions)
    expect(pair.lastServerEvent('unhandledCommand').command.name).toBe('doSomething')
    const res = pair.lastClientEvent('commandResult')
    expect(res).toMatchObject({ transactionId: r.transactionId, ok: false })
  })

  it('limits the number of streams per connection', () => {
    const pair = new SessionPair({ maxStreams: 2 })
    pair.connect()
    pair.createStream()
    pair.createStream()
    const r = pair.client.createStream()
    pair.fromClient(r.actions)
    expect(pair.lastClientEvent('commandResult')).toMatchObject({ transactionId: r.transactionId, ok: false })
  })

  it('throws a typed error for a command before connect', () => {
    const server = new ServerSession()
    const bytes = clientBytes([{ msg: cmd('createStream', 2, null) }])
    expect(() => bytes.forEach((b) => server.receive(b))).toThrow(RtmpError)
    try {
      bytes.forEach((b) => new ServerSession().receive(b))
    } catch (err) {
      expect((err as RtmpError).code).toBe('RTMP_ERR_INVALID_STATE')
    }
  })

  it('answers a ping request and acknowledges at the window the client asked for', () => {
    const server = new ServerSession()
    const out: ServerSessionAction[] = []
    const bytes = clientBytes([
      { msg: cmd('connect', 1, { app: 'live' }) },
      { msg: { type: 'windowAckSize', size: 100 }, csid: 2 },
      { msg: { type: 'userControl', event: { kind: 'pingRequest', timestamp: 1234 } }, csid: 2 },
      { msg: { type: 'audio', data: new Uint8Array(200) }, csid: 4 },
    ])
    for (const b of bytes) out.push(...server.receive(b))
    expect(events(out).map((e) => e.type)).toEqual(['connectRequested'])
    // the ping response and an acknowledgement went out
    const sent = out.filter((a) => a.type === 'send').length
    expect(sent).toBeGreaterThanOrEqual(2)
    expect(server.bytesReceived).toBe(bytes.reduce((n, b) => n + b.length, 0))
  })

  it('replays the exact OBS publishing sequence', () => {
    // What OBS (librtmp) sends after the handshake: chunk size, connect, then the publish dance.
    const server = new ServerSession()
    const seen: ServerSessionEvent[] = []
    const feed = (bytes: Uint8Array[]): void => {
      for (const b of bytes) for (const a of server.receive(b)) if (a.type === 'event') seen.push(a.event)
    }
    const writer = new ChunkWriter({ chunkSize: 128 })
    const send = (msg: RtmpMessage, streamId: number, csid: number, timestamp = 0): void => {
      const { typeId, payload } = encodeMessage(msg)
      const pieces = writer.write({ typeId, streamId, timestamp, payload }, csid)
      feed(pieces)
      if (msg.type === 'setChunkSize') writer.setChunkSize(msg.chunkSize)
    }
    send({ type: 'setChunkSize', chunkSize: 4096 }, 0, 2)
    send(
      cmd('connect', 1, {
        app: 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
        swfUrl: 'rtmp://127.0.0.1/live',
        tcUrl: 'rtmp://127.0.0.1/live',
      }),
      0,
      3,
    )
    const connect = seen.find((e) => e.type === 'connectRequested')
    if (connect?.type !== 'connectRequested') throw new Error('no connect')
    expect(connect.commandObject.flashVer).toBe('FMLE/3.0 (compatible; FMSc/1.0)')
    server.accept(connect.requestId)
    send(cmd('releaseStream', 2, null, 'stream'), 0, 3)
    send(cmd('FCPublish', 3, null, 'stream'), 0, 3)
    send(cmd('createStream', 4, null), 0, 3)
    const created = seen.find((e) => e.type === 'streamCreated')
    if (created?.type !== 'streamCreated') throw new Error('no stream')
    send(cmd('publish', 5, null, 'stream', 'live'), created.streamId, 4)
    const pub = seen.find((e) => e.type === 'publishRequested')
    if (pub?.type !== 'publishRequested') throw new Error('no publish request')
    expect(pub).toMatchObject({ streamName: 'stream', mode: 'live', streamId: created.streamId })
    server.accept(pub.requestId)
    send({ type: 'data', encoding: 'amf0', values: ['@setDataFrame', 'onMetaData', { duration: 0, width: 1280, height: 720, videocodecid: 7, audiocodecid: 10, encoder: 'obs-output module (libobs version 30.0.0)' }] }, created.streamId, 4)
    send({ type: 'video', data: new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]) }, created.streamId, 4)
    send({ type: 'audio', data: new Uint8Array([0xaf, 0, 0x12, 0x10]) }, created.streamId, 4)
    send({ type: 'video', data: new Uint8Array([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]) }, created.streamId, 4, 33)
    send(cmd('FCUnpublish', 6, null, 'stream'), 0, 3)
    send(cmd('deleteStream', 7, null, created.streamId), 0, 3)
    expect(seen.map((e) => e.type)).toEqual([
      'connectRequested',
      'streamCreated',
      'publishRequested',
      'data',
      'video',
      'audio',
      'video',
      'publishFinished',
    ])
    const data = seen[3]
    expect(data?.type === 'data' && data.values[0]).toBe('onMetaData')
  })

  it('gives the same events whatever way the client bytes are split, commands pipelined behind connect', () => {
    const writer = new ChunkWriter({ chunkSize: 128 })
    const encode = (msg: RtmpMessage, streamId: number, csid: number, timestamp = 0): Uint8Array[] => {
      const { typeId, payload } = encodeMessage(msg)
      return writer.write({ typeId, streamId, timestamp, payload }, csid)
    }
    // a client that does not wait for answers before createStream and publish (kept until connect is accepted)
    const commands = Buffer.concat([
      ...encode(cmd('connect', 1, { app: 'live', tcUrl: 'rtmp://h/live' }), 0, 3),
      ...encode(cmd('createStream', 2, null), 0, 3),
      ...encode(cmd('publish', 0, null, 'cam', 'live'), 1, 4),
    ])
    // media goes out after Publish.Start, as encoders do
    const media = Buffer.concat(Array.from({ length: 20 }, (_, i) => encode({ type: 'video', data: new Uint8Array(300).fill(i) }, 1, 6, i * 40)).flat())

    const run = (split: (b: Uint8Array) => Uint8Array[]): string[] => {
      const server = new ServerSession()
      const seen: string[] = []
      const handle = (actions: readonly ServerSessionAction[]): void => {
        for (const e of events(actions)) {
          seen.push(e.type === 'video' ? `video@${e.timestamp}` : e.type)
          if ('requestId' in e) handle(server.accept(e.requestId)) // an app that always says yes
        }
      }
      for (const p of split(commands)) handle(server.receive(p))
      for (const p of split(media)) handle(server.receive(p))
      return seen
    }
    const whole = run((b) => [b])
    expect(whole).toEqual(['connectRequested', 'streamCreated', 'publishRequested', ...Array.from({ length: 20 }, (_, i) => `video@${i * 40}`)])
    expect(run(bytewise)).toEqual(whole)
    const rng = createRng()
    for (let i = 0; i < 20; i++) expect(run((b) => randomSplits(b, rng, 200)), `seed ${rng.seed}`).toEqual(whole)
  })
})
