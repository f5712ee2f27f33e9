import { afterAll, beforeAll, expect, it } from 'vitest'
import { adobeAuth } from '../../src/auth/adobe-auth-server'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { ffArgs as ff, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'

// ffmpeg (Debian 5.1 on PATH) speaks authmod=adobe for rtmp://user:pass@host/…: it connects plain, is told
// `code=403 need auth`, reconnects with its user name, gets the challenge and reconnects with its response.

const suite = interopSuite('ffmpeg with Adobe challenge auth', ['ffmpeg'])

suite('ffmpeg publishing with a user name and password', (peers) => {
  trackProcesses()
  let fixture = ''
  let server: RtmpServer
  let port = 0
  const apps: string[] = []
  const published: string[] = []
  const authenticated: string[] = []
  const auth = adobeAuth({ password: (user) => (user === 'bob' ? 'pa55word' : undefined) })

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg)
    server = createServer()
    server.on('connection', (conn) => {
      conn.on('connect', (req) => {
        apps.push(String(req.commandObject.app))
        void auth(req)
      })
      conn.on('publish', (req) => {
        published.push(req.streamName)
        authenticated.push(auth.userOf(conn) ?? '(nobody)')
        server.live?.handlePublish(req)
      })
    })
    port = (await server.listen({ port: 0 })).port
  }, 90_000)

  afterAll(async () => {
    await server?.close()
  })

  it('publishes with the right password, and our player gets its frames', async () => {
    apps.length = 0
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', `rtmp://bob:pa55word@127.0.0.1:${port}/live/stream`), {
      timeoutMs: 40_000,
    })
    // the player waits for the stream to go live (the publish happens after ffmpeg's three connects)
    let player: RtmpClient | undefined
    for (let i = 0; i < 100 && player === undefined; i++) {
      if (published.includes('stream')) player = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/stream`, { credentials: { user: 'bob', password: 'pa55word' } })
      else await sleep(100)
    }
    expect(player, `ffmpeg never published; connects seen: ${apps.join(' | ')}`).toBeDefined()
    const play = await player!.play()
    let video = 0
    for await (const m of play as AsyncIterable<MediaMessage>) {
      if (m.type === 'video' && ++video >= 10) break
    }
    expect(video).toBe(10)
    const exit = await publisher.exited
    expect(exit.code, describeExit(exit)).toBe(0)
    await player!.close()
    // ffmpeg's own sequence: plain, user name, response (opaque echoed)
    expect(apps[0]).toBe('live')
    expect(apps[1]).toBe('live?authmod=adobe&user=bob')
    expect(apps[2]).toMatch(/^live\?authmod=adobe&user=bob&challenge=[0-9a-f]{8}&response=[A-Za-z0-9+/]{22}==&opaque=[A-Za-z0-9_-]{16}$/)
    expect(authenticated).toEqual(['bob'])
  }, 60_000)

  it('fails with a wrong password: ffmpeg exits non-zero and nothing is published', async () => {
    apps.length = 0
    const before = published.length
    const exit = await spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', `rtmp://bob:wrong@127.0.0.1:${port}/live/denied`), {
      timeoutMs: 30_000,
    }).exited
    expect(exit.code, describeExit(exit)).not.toBe(0)
    expect(exit.stderr).toMatch(/Incorrect username\/password|authfailed/)
    expect(published.length).toBe(before)
    expect(apps).toHaveLength(3) // it gave up after one response
  }, 40_000)
})
