import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
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

describe('players that fall behind a live stream over TCP', () => {
  // 25 fps of 128 KiB frames (about 27 Mbit/s) with a keyframe every 12 frames, AAC-sized audio every 20 ms:
  // big frames so that the loopback socket buffers (about 4 MiB per connection) fill within a second or two
  const FRAME = 128 * 1024
  const GOP = 12
  const FRAMES = 150 // 6 s at real pace
  const players = { dropBufferedBytes: 512 * 1024, maxLagMs: 2000 }

  const avcFrame = (n: number): Uint8Array => {
    const f = new Uint8Array(FRAME)
    f.set([n % GOP === 0 ? 0x17 : 0x27, 1, 0, 0, 0])
    new DataView(f.buffer).setUint32(FRAME - 4, n)
    return f
  }
  const aacRaw = (n: number): Uint8Array => {
    const f = new Uint8Array(400)
    f.set([0xaf, 1])
    new DataView(f.buffer).setUint32(396, n)
    return f
  }
  const serial = (m: MediaMessage): number => new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength).getUint32(m.data.byteLength - 4)
  const isFrame = (m: MediaMessage): boolean => m.type === 'video' && m.data.byteLength === FRAME
  const isAudioFrame = (m: MediaMessage): boolean => m.type === 'audio' && m.data.byteLength === 400

  /** Lets `socket` read about `bytesPerSecond`: paused once a tick's budget is spent (the kernel then pushes back). */
  function throttle(socket: Socket, bytesPerSecond: number): { lift(): void } {
    const tickMs = 50
    let budget = 0
    socket.on('data', (chunk: Buffer) => {
      budget -= chunk.length
      if (budget <= 0) socket.pause()
    })
    const timer = setInterval(() => {
      budget = Math.min(budget + (bytesPerSecond * tickMs) / 1000, (bytesPerSecond * tickMs) / 1000)
      if (budget > 0) socket.resume()
    }, tickMs)
    return {
      lift() {
        clearInterval(timer)
        budget = Infinity
        socket.resume()
      },
    }
  }

  async function readAll(stream: AsyncIterable<MediaMessage>, onMessage: (m: MediaMessage) => void = () => {}): Promise<MediaMessage[]> {
    const out: MediaMessage[] = []
    for await (const m of stream) {
      out.push(m)
      onMessage(m)
    }
    return out
  }

  it('drops GOP tails for a slow player, disconnects one that stopped reading; the fast one and the publisher lose nothing', async () => {
    const server = createServer({ live: { players } })
    servers.push(server)
    const errors: RtmpError[] = []
    server.on('connectionError', (err) => errors.push(err))
    // our own listener, to watch the server side of each connection: what it holds unsent, and when it closes
    const sockets = new Map<number, { overLimitAt?: number; closedAt?: number }>()
    const tcp = createNetServer((socket) => {
      const watch: { overLimitAt?: number; closedAt?: number } = {}
      sockets.set(socket.remotePort!, watch)
      const timer = setInterval(() => {
        if (watch.overLimitAt === undefined && socket.writableLength > players.dropBufferedBytes) watch.overLimitAt = Date.now()
      }, 10)
      socket.once('close', () => {
        clearInterval(timer)
        watch.closedAt = Date.now()
      })
      server.handle(socket)
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    const port = (tcp.address() as AddressInfo).port
    const url = `rtmp://127.0.0.1:${port}/live/busy`

    const stuckSocket = netConnect({ host: '127.0.0.1', port })
    const stuck = await RtmpClient.connect(url, { socket: stuckSocket })
    await stuck.play()
    stuckSocket.pause()
    const stuckPort = stuckSocket.localPort!
    const stuckClosed = new Promise<RtmpError | undefined>((resolve) => stuck.once('close', resolve))

    const slowSocket = netConnect({ host: '127.0.0.1', port })
    const slow = await RtmpClient.connect(url, { socket: slowSocket })
    const slowReading = readAll(await slow.play())
    const slowPort = slowSocket.localPort!
    const slowPace = throttle(slowSocket, 1.5 * 1024 * 1024) // about half of what is published

    const fast = await RtmpClient.connect(url)
    let fastFrames = 0
    let progressed: () => void = () => {}
    const fastReading = readAll(await fast.play(), (m) => {
      if (isFrame(m)) fastFrames++
      progressed()
    })

    const publisher = await RtmpClient.connect(url)
    const pub = await publisher.publish()
    await pub.writeVideo(0, avcHeader)
    await pub.writeAudio(0, new Uint8Array([0xaf, 0, 0x12, 0x10]))
    const started = Date.now()
    for (let n = 0; n < FRAMES; n++) {
      // real pace; and never more than 10 frames ahead of the fast player, however loaded the machine is
      const due = started + n * 40 - Date.now()
      if (due > 0) await sleep(due)
      while (fastFrames < n - 10) await new Promise<void>((resolve) => (progressed = resolve))
      await pub.writeVideo(n * 40, avcFrame(n))
      await pub.writeAudio(n * 40, aacRaw(2 * n))
      await pub.writeAudio(n * 40 + 20, aacRaw(2 * n + 1))
    }
    const stats = server.live!.streamStats('live', 'busy')!
    await pub.close()
    slowPace.lift()
    const [fastGot, slowGot] = await Promise.all([fastReading, slowReading])
    stuckSocket.destroy()
    await stuckClosed

    // the fast player got every frame, in order
    expect(fastGot.filter(isFrame).map(serial)).toEqual(Array.from({ length: FRAMES }, (_, n) => n))
    expect(fastGot.filter(isAudioFrame).map(serial)).toEqual(Array.from({ length: 2 * FRAMES }, (_, n) => n))

    // the slow one fell behind and lost frames, but only GOP tails: after a gap, always a keyframe
    const slowWatch = sockets.get(slowPort)!
    expect(slowWatch.overLimitAt, 'the slow player was over dropBufferedBytes at some point').toBeDefined()
    const frames = slowGot.filter(isFrame).map(serial)
    expect(frames.length).toBeLessThan(FRAMES)
    expect(frames.length).toBeGreaterThan(FRAMES / 4)
    frames.forEach((n, i) => {
      if (i > 0 && n !== frames[i - 1]! + 1) expect(n % GOP, `frame ${n} after ${frames[i - 1]}`).toBe(0)
    })
    // nothing reordered or held back: timestamps never go back, and no audio frame is missing
    const times = slowGot.filter((m) => isFrame(m) || isAudioFrame(m)).map((m) => m.timestamp)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(slowGot.filter(isAudioFrame).map(serial)).toEqual(Array.from({ length: 2 * FRAMES }, (_, n) => n))
    expect(stats.droppedFrames).toBeGreaterThanOrEqual(FRAMES - frames.length)

    // the stuck one was disconnected about maxLagMs after it went over dropBufferedBytes, and only it
    const stuckWatch = sockets.get(stuckPort)!
    expect(errors.map((e) => e.code)).toEqual(['RTMP_ERR_SLOW_CONSUMER'])
    expect(stuckWatch.overLimitAt).toBeDefined()
    const behindMs = stuckWatch.closedAt! - stuckWatch.overLimitAt!
    expect(behindMs).toBeGreaterThanOrEqual(players.maxLagMs - 50)
    expect(behindMs).toBeLessThan(players.maxLagMs + 1500)
    expect(stats.slowSubscribersDropped).toBe(1)

    await Promise.all([fast.close(), slow.close(), publisher.close()])
    await new Promise<void>((resolve) => tcp.close(() => resolve()))
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
