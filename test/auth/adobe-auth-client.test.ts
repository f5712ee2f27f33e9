import { afterEach, describe, expect, it, vi } from 'vitest'
import { AdobeAuthClient, parseAdobeRejection, readAdobeQuery } from '../../src/auth/adobe-auth'
import { adobeAuth, isEncoderConnect, type AdobeAuthOptions } from '../../src/auth/adobe-auth-server'
import { RejectedError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import type { ServerConnection } from '../../src/transport/server-connection'

// every debug line of the library, to check that no secret reaches it
const logged = vi.hoisted((): string[] => [])
vi.mock('../../src/transport/debug', async () => {
  const { format } = await import('node:util')
  return { debug: (...args: unknown[]) => void logged.push(format(...args)) }
})

const PASSWORD = 'pa55-w0rd!'
const users = new Map([['bob', PASSWORD]])

interface Harness {
  server: RtmpServer
  base: string
  auth: ReturnType<typeof adobeAuth>
  /** raw `app` of every connect the server saw, in order */
  apps: string[]
  connections: ServerConnection[]
  asked: string[]
}

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function start(options: Partial<AdobeAuthOptions> = {}): Promise<Harness> {
  const server = createServer()
  servers.push(server)
  const asked: string[] = []
  const auth = adobeAuth({
    password: (user) => {
      asked.push(user)
      return users.get(user)
    },
    ...options,
  })
  const h: Harness = { server, base: '', auth, apps: [], connections: [], asked }
  server.on('connection', (conn) => {
    h.connections.push(conn)
    conn.on('connect', (req) => {
      h.apps.push(String(req.commandObject.app))
      void auth(req)
    })
  })
  const { port } = await server.listen({ port: 0 })
  h.base = `rtmp://127.0.0.1:${port}`
  return h
}

async function rejection(p: Promise<unknown>): Promise<RejectedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(RejectedError)
  return err as RejectedError
}

async function take(iter: AsyncIterable<MediaMessage>, n: number): Promise<MediaMessage[]> {
  const out: MediaMessage[] = []
  for await (const m of iter) {
    out.push(m)
    if (out.length >= n) break
  }
  return out
}

const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
const keyframe = new Uint8Array([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 7])

describe('Adobe auth: our client against our server', () => {
  it('connects with the right password from the URL and can publish; a player gets the frames', async () => {
    const h = await start()
    const client = await RtmpClient.connect(`rtmp://bob:${encodeURIComponent(PASSWORD)}@${h.base.slice('rtmp://'.length)}/live/cam`, { timeout: 20_000 })
    // two connections: the user name (answered with a challenge), then the response
    expect(h.apps).toHaveLength(2)
    expect(h.apps[0]).toBe('live?authmod=adobe&user=bob')
    expect(readAdobeQuery(h.apps[1])).toMatchObject({ authmod: 'adobe', user: 'bob' })
    const conn = h.connections[1]!
    expect(h.auth.userOf(conn)).toBe('bob')
    expect(h.auth.userOf(h.connections[0]!)).toBeUndefined()
    // the rest of the server sees no auth parameters
    expect(conn.app).toBe('live')
    expect(conn.query).toEqual({})
    expect(conn.tcUrl).toBe(`${h.base}/live`)
    expect(client.app).toBe('live')

    const pub = await client.publish()
    const player = await RtmpClient.connect(`${h.base}/live/cam`, { credentials: { user: 'bob', password: PASSWORD } })
    const play = await player.play()
    const got = take(play, 1)
    await pub.writeVideo(0, avcHeader)
    await pub.writeVideo(40, keyframe)
    const frames = await got
    expect(frames[0]).toMatchObject({ type: 'video' })
    await Promise.all([player.close(), client.close()])
  }, 30_000)

  it('rejects a wrong password with authfailed, without hanging', async () => {
    const h = await start()
    const t0 = Date.now()
    const err = await rejection(RtmpClient.connect(`${h.base}/live/cam`, { credentials: { user: 'bob', password: 'wrong' }, timeout: 20_000 }))
    expect(err.code).toBe('RTMP_ERR_REJECTED')
    expect(err.status.code).toBe('NetConnection.Connect.Rejected')
    expect(parseAdobeRejection(err.status.description)).toEqual({ kind: 'failed', reason: 'authfailed' })
    expect(h.apps).toHaveLength(2) // one response only: the client does not retry a refusal
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(h.asked).toEqual(['bob'])
  }, 30_000)

  it('treats an unknown user like a wrong password', async () => {
    const h = await start()
    const err = await rejection(RtmpClient.connect(`rtmp://nobody:x@${h.base.slice('rtmp://'.length)}/live`))
    expect(parseAdobeRejection(err.status.description)).toEqual({ kind: 'failed', reason: 'authfailed' })
    // the unknown user was challenged like anyone else: the password lookup came with the response
    expect(h.apps).toHaveLength(2)
    expect(h.asked).toEqual(['nobody'])
  }, 30_000)

  it('asks a client without credentials for them (code=403 need auth), and the client gives up', async () => {
    const h = await start()
    const err = await rejection(RtmpClient.connect(`${h.base}/live`))
    expect(err.status.description).toContain('code=403 need auth; authmod=adobe')
    expect(h.apps).toEqual(['live'])
  }, 30_000)

  it('refuses a replayed response', async () => {
    const h = await start()
    const client = await RtmpClient.connect(`${h.base}/live`, { credentials: { user: 'bob', password: PASSWORD } })
    await client.close()
    const replayed = h.apps[1]!
    expect(replayed).toContain('&response=')
    const err = await rejection(RtmpClient.connect(`${h.base}/live`, { app: replayed }))
    expect(parseAdobeRejection(err.status.description)).toEqual({ kind: 'failed', reason: 'authfailed' })
  }, 30_000)

  it('refuses a response to an expired challenge, and accepts the same exchange in time', async () => {
    let now = 1_000_000
    const h = await start({ ttlMs: 5_000, now: () => now })
    const exchange = async (delay: number): Promise<RtmpClient> => {
      const client = new AdobeAuthClient({ user: 'bob', password: PASSWORD })
      const challenged = await rejection(RtmpClient.connect(`${h.base}/live`, { app: `live${client.start()}` }))
      const step = client.next(challenged.status.description)
      if (step.action !== 'retry') throw new Error(`no retry: ${step.reason}`)
      now += delay
      return RtmpClient.connect(`${h.base}/live`, { app: `live${step.query}` })
    }
    const inTime = await exchange(4_999)
    await inTime.close()
    const err = await rejection(exchange(5_001))
    expect(parseAdobeRejection(err.status.description)).toEqual({ kind: 'failed', reason: 'authfailed' })
  }, 30_000)

  it('with required: isEncoderConnect, lets players in unauthenticated and still checks encoders', async () => {
    const h = await start({ required: isEncoderConnect })
    const player = await RtmpClient.connect(`${h.base}/live`, { flashVer: 'LNX 9,0,124,2' })
    expect(h.auth.userOf(h.connections[0]!)).toBeUndefined()
    await player.close()
    const encoder = await rejection(RtmpClient.connect(`${h.base}/live`)) // our client says FMLE/3.0, as OBS does
    expect(encoder.status.description).toContain('code=403 need auth')
    const authed = await RtmpClient.connect(`${h.base}/live`, { credentials: { user: 'bob', password: PASSWORD } })
    expect(h.auth.userOf(h.connections.at(-1)!)).toBe('bob')
    await authed.close()
  }, 30_000)

  it('hands the authenticated user to the accept hook, which may still refuse', async () => {
    const seen: Array<string | undefined> = []
    const h = await start({
      accept: (req, user) => {
        seen.push(user)
        req.reject('NetConnection.Connect.Rejected', 'not today')
      },
    })
    const err = await rejection(RtmpClient.connect(`${h.base}/live`, { credentials: { user: 'bob', password: PASSWORD } }))
    expect(err.status.description).toBe('not today')
    expect(seen).toEqual(['bob'])
  }, 30_000)

  it('rejects with Connect.Failed when the password lookup throws', async () => {
    const h = await start({
      password: () => {
        throw new Error('database down')
      },
    })
    const err = await rejection(RtmpClient.connect(`${h.base}/live`, { credentials: { user: 'bob', password: PASSWORD } }))
    expect(err.status.code).toBe('NetConnection.Connect.Failed')
    expect(err.status.description).not.toContain('database')
  }, 30_000)

  it('never writes the password, a response or a stream key to the debug log', () => {
    const joined = logged.join('\n')
    expect(logged.length).toBeGreaterThan(0) // the exchanges above did log
    expect(joined).not.toContain(PASSWORD)
    expect(joined).not.toContain(encodeURIComponent(PASSWORD))
    expect(joined).not.toContain('response=')
    expect(joined).not.toMatch(/[?&](key|token)=/)
  })
})
