import { describe, expect, it } from 'vitest'
import type { ClientSessionEvent } from '../../src/session/client-events'
import { SessionPair } from '../session/session-harness'

/** What the client saw, in order, from index `from` on: user control kinds, status codes, data message names. */
function seenSince(pair: SessionPair, from: number): string[] {
  return pair.clientEvents.slice(from).map((e: ClientSessionEvent) => {
    if (e.type === 'status') return e.status.code
    if (e.type === 'data') return `data ${String(e.values[0])}`
    return e.type
  })
}

describe('ServerSession for recorded streams', () => {
  it('answers a seek with StreamEOF, Seek.Notify, StreamBegin and Play.Start (nginx-rtmp and FMS order)', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPlaying('clip')
    const from = pair.clientEvents.length
    pair.fromServer(pair.server.notifySeek(id, 1300))
    expect(seenSince(pair, from)).toEqual(['streamEof', 'NetStream.Seek.Notify', 'streamBegin', 'NetStream.Play.Start'])
    const notify = pair.clientEvents.find((e) => e.type === 'status' && e.status.code === 'NetStream.Seek.Notify')
    expect(notify).toMatchObject({ streamId: id, info: { level: 'status', details: 'clip' } })
  })

  it('ends a file with StreamEOF, onPlayStatus NetStream.Play.Complete and Play.Stop; the stream stays open', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.startPlaying('clip')
    const from = pair.clientEvents.length
    pair.fromServer(pair.server.completePlay(id, 1960, { duration: 1.96, bytes: 1234 }))
    expect(seenSince(pair, from)).toEqual(['streamEof', 'data onPlayStatus', 'NetStream.Play.Stop'])
    const complete = pair.clientEvents.find((e) => e.type === 'data' && e.values[0] === 'onPlayStatus')
    expect(complete).toMatchObject({ timestamp: 1960, values: ['onPlayStatus', { level: 'status', code: 'NetStream.Play.Complete', duration: 1.96, bytes: 1234 }] })
    // still playing: a seek is answered
    expect(pair.server.notifySeek(id, 0).length).toBeGreaterThan(0)
  })

  it('sends nothing for streams that are not playing', () => {
    const pair = new SessionPair()
    pair.connect()
    const id = pair.createStream()
    expect(pair.server.notifySeek(id, 0)).toEqual([])
    expect(pair.server.completePlay(id, 0)).toEqual([])
    expect(pair.server.notifySeek(99, 0)).toEqual([])
  })
})
