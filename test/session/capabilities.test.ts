import { describe, expect, it } from 'vitest'
import { isAmfObject, type AmfObject } from '../../src/amf/amf-value'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import type { RawMessage } from '../../src/chunk/raw-message'
import { decodeMessage } from '../../src/message/message-codec'
import type { CommandMessage } from '../../src/message/rtmp-message'
import { CapsEx, DEFAULT_CAPABILITIES, FourCcInfo, capabilityMembers, readCapabilities } from '../../src/session/capabilities'
import { ClientSession, type ClientSessionAction } from '../../src/session/client-session'
import { ServerSession } from '../../src/session/server-session'
import { concat, hex, toHex } from '../helpers/hex'
import { SessionPair } from './session-harness'

// AMF0 pieces written out by hand (not with our encoder), so these vectors check the encoder.
const ascii = (s: string): string => Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(' ')
const u16 = (n: number): string => `${(n >> 8).toString(16).padStart(2, '0')} ${(n & 0xff).toString(16).padStart(2, '0')}`
const key = (s: string): string => `${u16(s.length)} ${ascii(s)}`
const str = (s: string): string => `02 ${key(s)}`
const FORWARD = '00 40 10 00 00 00 00 00 00' // number 4.0 (CanForward)

/** The four Enhanced RTMP members rtmp-kit announces by default, then the object end marker. */
const DEFAULT_MEMBERS_AMF0 = hex(`
  ${key('fourCcList')} 0a 00 00 00 0a                        // strict array, 10 entries
    ${str('avc1')} ${str('hvc1')} ${str('vp09')} ${str('av01')}
    ${str('Opus')} ${str('fLaC')} ${str('ac-3')} ${str('ec-3')} ${str('.mp3')} ${str('mp4a')}
  ${key('videoFourCcInfoMap')} 03                             // object
    ${key('avc1')} ${FORWARD} ${key('hvc1')} ${FORWARD} ${key('vp09')} ${FORWARD} ${key('av01')} ${FORWARD}
    00 00 09
  ${key('audioFourCcInfoMap')} 03
    ${key('Opus')} ${FORWARD} ${key('fLaC')} ${FORWARD} ${key('ac-3')} ${FORWARD} ${key('ec-3')} ${FORWARD}
    ${key('.mp3')} ${FORWARD} ${key('mp4a')} ${FORWARD}
    00 00 09
  ${key('capsEx')} 00 40 2e 00 00 00 00 00 00                // 15 = Reconnect | Multitrack | ModEx | TimestampNanoOffset
  00 00 09                                                    // end of the enclosing object
`)

const LEGACY_CONNECT_KEYS = ['app', 'type', 'flashVer', 'tcUrl', 'fpad', 'capabilities', 'audioCodecs', 'videoCodecs', 'videoFunction', 'objectEncoding']

/** Decodes every message in a list of chunk pieces (the reader follows Set Chunk Size). */
function messages(reader: ChunkReader, pieces: readonly Uint8Array[]): RawMessage[] {
  const out: RawMessage[] = []
  for (const p of pieces) reader.receive(p, (raw) => out.push(raw))
  return out
}

function sent(actions: readonly ClientSessionAction[]): Uint8Array[] {
  return actions.flatMap((a) => (a.type === 'send' ? [...a.data] : []))
}

function connectCommand(raw: readonly RawMessage[]): { raw: RawMessage; cmd: CommandMessage } {
  for (const r of raw) {
    const m = decodeMessage(r)
    if (m.type === 'command' && m.name === 'connect') return { raw: r, cmd: m }
  }
  throw new Error('no connect command')
}

const commandObject = (cmd: CommandMessage): AmfObject => (isAmfObject(cmd.commandObject) ? cmd.commandObject : {})

describe('Enhanced RTMP connect capabilities', () => {
  it('a client announces every routed FourCC (CanForward) and all CapsEx bits by default, in the AMF types the spec names', () => {
    const client = new ClientSession()
    const { raw, cmd } = connectCommand(messages(new ChunkReader(), sent(client.connect({ app: 'live', tcUrl: 'rtmp://h/live' }))))
    expect(toHex(raw.payload).endsWith(toHex(DEFAULT_MEMBERS_AMF0))).toBe(true)
    const obj = commandObject(cmd)
    expect(obj.fourCcList).toEqual(['avc1', 'hvc1', 'vp09', 'av01', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a'])
    expect(obj.capsEx).toBe(CapsEx.Reconnect | CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset)
    // the legacy members are still there, unchanged
    expect(Object.keys(obj).slice(0, LEGACY_CONNECT_KEYS.length)).toEqual(LEGACY_CONNECT_KEYS)
    expect(obj.capabilities).toBe(15)
  })

  it('a client with capabilities: false sends the legacy command object and nothing more', () => {
    const client = new ClientSession()
    const { raw, cmd } = connectCommand(messages(new ChunkReader(), sent(client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: false }))))
    expect(Object.keys(commandObject(cmd))).toEqual(LEGACY_CONNECT_KEYS)
    // objectEncoding 0 and the object end: nothing between them
    expect(toHex(raw.payload).endsWith(toHex(concat([hex(`${key('objectEncoding')} 00 00 00 00 00 00 00 00 00 00 00 09`)])))).toBe(true)
  })

  it('a client announces exactly what it is given', () => {
    const client = new ClientSession()
    const announce = { videoFourCcInfoMap: { '*': FourCcInfo.CanForward }, capsEx: CapsEx.Reconnect }
    const { cmd } = connectCommand(messages(new ChunkReader(), sent(client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: announce }))))
    const obj = commandObject(cmd)
    expect(Object.keys(obj)).toEqual([...LEGACY_CONNECT_KEYS, 'videoFourCcInfoMap', 'capsEx'])
    expect(obj.videoFourCcInfoMap).toEqual({ '*': 4 })
    expect(obj.capsEx).toBe(1)
  })

  it('the server reports what the client announced with the connect request', () => {
    const pair = new SessionPair()
    pair.fromClient(pair.client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: { fourCcList: ['hvc1', '*'], capsEx: CapsEx.Reconnect | CapsEx.Multitrack } }))
    const caps = pair.lastServerEvent('connectRequested').capabilities
    expect(caps).toMatchObject({ fourCcList: ['hvc1', '*'], capsEx: 3, enhanced: true, reconnect: true, multitrack: true, modEx: false, timestampNanoOffset: false })
    expect(pair.server.clientCapabilities).toBe(caps)

    const legacy = new SessionPair()
    legacy.fromClient(legacy.client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: false }))
    expect(legacy.lastServerEvent('connectRequested').capabilities).toMatchObject({ enhanced: false, reconnect: false, fourCcList: [], capsEx: 0 })
  })

  it('the server announces its capabilities in the connect _result properties, and the client reads them', () => {
    const pair = new SessionPair()
    pair.connect()
    const connected = pair.lastClientEvent('connected')
    expect(connected.properties).toEqual({ fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1, ...capabilityMembers(DEFAULT_CAPABILITIES) })
    expect(connected.capabilities).toEqual(readCapabilities(connected.properties))
    expect(connected.capabilities).toMatchObject({ enhanced: true, reconnect: true, multitrack: true, modEx: true, timestampNanoOffset: true })
    expect(connected.capabilities.videoFourCcInfoMap).toEqual({ avc1: 4, hvc1: 4, vp09: 4, av01: 4 })

    // the same members, byte for byte, inside the properties object of the _result
    const raw = messages(new ChunkReader(), pair.serverBytes).find((r) => {
      const m = decodeMessage(r)
      return m.type === 'command' && m.name === '_result'
    })
    const properties = hex(`03 ${key('fmsVer')} ${str('FMS/3,0,1,123')} ${key('capabilities')} 00 40 3f 00 00 00 00 00 00 ${key('mode')} 00 3f f0 00 00 00 00 00 00`)
    expect(toHex(raw!.payload)).toContain(toHex(concat([properties, DEFAULT_MEMBERS_AMF0])))
  })

  it('a server with capabilities: false answers connect as before; fmsCapabilities sets the legacy number', () => {
    const pair = new SessionPair({ capabilities: false, fmsCapabilities: 239 })
    pair.connect()
    const connected = pair.lastClientEvent('connected')
    expect(connected.properties).toEqual({ fmsVer: 'FMS/3,0,1,123', capabilities: 239, mode: 1 })
    expect(connected.capabilities.enhanced).toBe(false)
  })
})

describe('Enhanced RTMP Reconnect Request', () => {
  /** The onStatus info object of the spec's table, written out by hand. */
  const requestAmf0 = (description: string, tcUrl?: string): Uint8Array =>
    hex(`
      ${str('onStatus')}
      00 00 00 00 00 00 00 00 00                 // transaction id 0
      05                                         // command object: null
      03                                         // info object
        ${key('level')} ${str('status')}
        ${key('code')} ${str('NetConnection.Connect.ReconnectRequest')}
        ${key('description')} ${str(description)}
        ${tcUrl === undefined ? '' : `${key('tcUrl')} ${str(tcUrl)}`}
      00 00 09
    `)

  it('the server sends onStatus NetConnection.Connect.ReconnectRequest on stream 0 with tcUrl and description', () => {
    const pair = new SessionPair()
    pair.connect()
    const before = pair.serverBytes.length
    pair.fromServer(pair.server.requestReconnect({ tcUrl: 'rtmp://b.example:1935/live', description: 'maintenance' }))
    const reader = new ChunkReader()
    messages(reader, pair.serverBytes.slice(0, before))
    const [raw] = messages(reader, pair.serverBytes.slice(before))
    expect(raw).toMatchObject({ typeId: 20, streamId: 0, timestamp: 0 })
    expect(toHex(raw!.payload)).toBe(toHex(requestAmf0('maintenance', 'rtmp://b.example:1935/live')))

    expect(pair.lastClientEvent('reconnectRequest')).toMatchObject({ tcUrl: 'rtmp://b.example:1935/live', description: 'maintenance' })
    expect(pair.clientStatuses()).toEqual([]) // reported as its own event, not as a plain status
    expect(pair.server.state).toBe('connected') // the old server keeps serving until the client leaves
  })

  it('without a tcUrl the request has no tcUrl member (the client reconnects to the same tcUrl)', () => {
    const pair = new SessionPair()
    pair.connect()
    const before = pair.serverBytes.length
    pair.fromServer(pair.server.requestReconnect())
    const reader = new ChunkReader()
    messages(reader, pair.serverBytes.slice(0, before))
    const [raw] = messages(reader, pair.serverBytes.slice(before))
    expect(toHex(raw!.payload)).toBe(toHex(requestAmf0('The server asks the client to reconnect.')))
    expect(pair.lastClientEvent('reconnectRequest').tcUrl).toBeUndefined()
  })

  it('a client that did not announce capsEx Reconnect is never asked, nor one that is not connected yet', () => {
    const legacy = new SessionPair()
    legacy.fromClient(legacy.client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: false }))
    legacy.fromServer(legacy.server.accept(legacy.lastServerEvent('connectRequested').requestId))
    expect(legacy.server.requestReconnect({ tcUrl: 'rtmp://b/live' })).toEqual([])

    const noBit = new SessionPair()
    noBit.fromClient(noBit.client.connect({ app: 'live', tcUrl: 'rtmp://h/live', capabilities: { fourCcList: ['*'], capsEx: CapsEx.Multitrack } }))
    noBit.fromServer(noBit.server.accept(noBit.lastServerEvent('connectRequested').requestId))
    expect(noBit.server.requestReconnect()).toEqual([])

    const pending = new ServerSession()
    expect(pending.requestReconnect()).toEqual([])
  })

  it('the client reads a request with a relative tcUrl as sent, and ignores one with another level', () => {
    const pair = new SessionPair()
    pair.connect()
    pair.fromServer(pair.server.requestReconnect({ tcUrl: '//192.0.2.1/realtimeapp' }))
    expect(pair.lastClientEvent('reconnectRequest').tcUrl).toBe('//192.0.2.1/realtimeapp')
    pair.fromServer(pair.server.sendStatus(0, 'error', 'NetConnection.Connect.ReconnectRequest', 'not a request'))
    expect(pair.clientStatuses()).toEqual(['NetConnection.Connect.ReconnectRequest'])
    expect(pair.clientEvents.filter((e) => e.type === 'reconnectRequest')).toHaveLength(1)
  })
})
