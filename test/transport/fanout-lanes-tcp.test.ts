import { afterEach, describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'

// Lane bytes are written beside each player's own chunk writer: after them, whatever the session writes on
// the same chunk streams (onStatus on the stream's chunk stream, media sent one by one) must start with a
// full header, or the player would read it against the wrong previous header.

describe('fan-out lanes over TCP, beside each session own chunk writer', () => {
  const servers: RtmpServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  for (const writeBatchMs of [0, 30]) {
    it(`players get lane media, data updates and then the session's own status messages intact (writeBatchMs ${writeBatchMs})`, async () => {
      const server = createServer({ writeBatchMs })
      servers.push(server)
      const { port } = await server.listen({ port: 0 })
      const url = `rtmp://127.0.0.1:${port}/live/lanes`
      const clients = await Promise.all([1, 2].map(() => RtmpClient.connect(url)))
      const statuses = clients.map((c) => {
        const codes: string[] = []
        c.on('status', (s) => codes.push(String(s.code)))
        return codes
      })
      const streams = await Promise.all(clients.map((c) => c.play()))
      const received = streams.map(async (s) => {
        const got: MediaMessage[] = []
        for await (const m of s) {
          got.push(m)
          if (got.length === 2 + 60 + 2) break
        }
        return got
      })
      const publisher = await RtmpClient.connect(url)
      const pub = await publisher.publish()
      await pub.writeMetadata({ width: 320, height: 240 })
      await pub.writeVideo(0, new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0]))
      for (let i = 0; i < 60; i++) {
        const frame = new Uint8Array(i % 7 === 0 ? 5000 : 200).fill(i)
        frame.set([i % 20 === 0 ? 0x17 : 0x27, 1, 0, 0, 0])
        await pub.writeVideo(40 * i, frame)
        // data messages go on the chunk stream the session writes onStatus on
        if (i === 30 || i === 50) await pub.writeMetadata({ width: 320, height: 240, update: i })
      }
      const all = await Promise.all(received)
      const live = server.live!.streamStats('live', 'lanes')!.fanout
      await pub.close()
      await publisher.close()
      // UnpublishNotify comes from each session's own writer, on the chunk stream lane data went on
      for (const codes of statuses) {
        const deadline = Date.now() + 5000
        while (!codes.includes('NetStream.Play.UnpublishNotify') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        expect(codes).toContain('NetStream.Play.UnpublishNotify')
      }
      for (const got of all) {
        expect(got.filter((m) => m.type === 'video')).toHaveLength(61)
        expect(got.filter((m) => m.type === 'data')).toHaveLength(3)
        const frames = got.filter((m) => m.type === 'video').slice(1)
        frames.forEach((m, i) => {
          expect(m.timestamp).toBe(40 * i)
          expect(m.data.length).toBe(i % 7 === 0 ? 5000 : 200)
          expect(m.data.at(-1)).toBe(i)
        })
      }
      expect(live.writes).toBeGreaterThan(0)
      await Promise.all(clients.map((c) => c.close()))
    }, 20_000)
  }
})
