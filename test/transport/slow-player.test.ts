import { connect as netConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
function frame(key: boolean, n: number, size: number): Uint8Array {
  const f = new Uint8Array(size)
  f.set([key ? 0x17 : 0x27, 1, 0, 0, 0])
  f[size - 1] = n & 0xff
  return f
}

describe('a player that stops reading', () => {
  it('is disconnected with RTMP_ERR_SLOW_CONSUMER while the publisher and other players go on', async () => {
    const server = createServer({ live: { players: { maxBufferedBytes: 2 * 1024 * 1024 } } })
    servers.push(server)
    const errors: RtmpError[] = []
    server.on('connectionError', (err) => errors.push(err))
    const { port } = await server.listen({ port: 0 })
    const url = `rtmp://127.0.0.1:${port}/live/slow`

    const stuckSocket = netConnect({ host: '127.0.0.1', port })
    const stuck = await RtmpClient.connect(url, { socket: stuckSocket })
    await stuck.play()
    const stuckClosed = new Promise<void>((resolve) => stuck.once('close', () => resolve()))
    stuckSocket.pause() // from here on the kernel buffers fill up and the server's queue grows

    const good = await RtmpClient.connect(url)
    const goodStream = await good.play()
    const received: MediaMessage[] = []
    let progressed: () => void = () => {}
    const reading = (async () => {
      for await (const m of goodStream) {
        received.push(m)
        progressed()
      }
    })()
    // the publisher keeps at most 8 frames (512 KiB) ahead of the player that reads, as a live source would:
    // only the player that stopped reading falls behind, however loaded the machine is
    const keepPace = async (sent: number): Promise<void> => {
      while (received.length < sent - 8) await new Promise<void>((resolve) => (progressed = resolve))
    }

    const publisher = await RtmpClient.connect(url)
    const pub = await publisher.publish()
    await pub.writeVideo(0, avcHeader)
    const frames = 400 // 400 × 64 KiB = 25 MiB: far beyond the socket buffers and the 2 MiB limit
    for (let i = 0; i < frames; i++) {
      await keepPace(i)
      await pub.writeVideo(i * 40, frame(i % 25 === 0, i, 64 * 1024))
    }
    await pub.close()
    await reading
    stuckSocket.destroy()
    await stuckClosed

    expect(errors.map((e) => e.code)).toContain('RTMP_ERR_SLOW_CONSUMER')
    const video = received.filter((m) => m.type === 'video').slice(1) // after the sequence header
    expect(video.map((m) => m.data.at(-1))).toEqual(Array.from({ length: frames }, (_, i) => i & 0xff))
    await Promise.all([good.close(), publisher.close()])
  }, 60_000)
})

describe('RtmpClient.connect with an options object', () => {
  it('takes host, port and app instead of a URL', async () => {
    const server = createServer()
    servers.push(server)
    const { port } = await server.listen({ port: 0 })
    const apps: string[] = []
    server.on('connection', (c) => c.on('connect', (req) => {
      apps.push(`${req.app} ${req.tcUrl}`)
      req.accept()
    }))
    const client = await RtmpClient.connect({ host: '127.0.0.1', port, app: 'live' })
    expect(apps).toEqual([`live rtmp://127.0.0.1:${port}/live`])
    await client.close()
  })
})
