import { Buffer } from 'node:buffer'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { Handshake } from '../../src/handshake/handshake'
import { readFlvFile } from '../../src/media/flv-reader'
import { ClientSession, type ClientSessionAction } from '../../src/session/client-session'
import { createServer } from '../../src/transport/rtmp-server'
import { concatBytes } from './oracle'

/**
 * Records what real peers send, for the fuzz seed corpus (test/fixtures/*.hex):
 * - ffmpeg publishing a tiny FLV to our server (client → server bytes, handshake included);
 * - rtmpdump asking our server to play (client → server);
 * - ffmpeg `-listen 1` as a server answering our client (server → client), whose C1 is all zeros after the
 *   header (`randomBytes` returns zeros), so that the fuzz target can replay the same C1 and S2 still matches;
 * - the FLV file itself, cut after a few tags.
 * Run with `npm run fuzz -- --capture` (needs ffmpeg and rtmpdump on PATH). Captures are trimmed to a few KB.
 */
export async function capture(outDir: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'rtmp-kit-capture-'))
  try {
    const flv = join(work, 'tiny.flv')
    ffmpeg(FLV_ARGS(flv))
    const flvBytes = new Uint8Array(readFileSync(flv))
    write(outDir, 'ffmpeg-tiny.flv.hex', trimFlv(flvBytes, 16), `ffmpeg ${ffmpegVersion()}: ffmpeg ${FLV_ARGS('tiny.flv').join(' ')} (cut after 16 tags)`)

    const publish = await recordClient((port) => ['ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', flv, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/fuzz`]])
    write(outDir, 'ffmpeg-publish.c2s.hex', trimSession(publish, 10), `ffmpeg ${ffmpegVersion()} publishing to our server: ffmpeg -i tiny.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/fuzz (client→server bytes, cut after 10 media messages)`)

    const play = await recordClient((port) => ['rtmpdump', ['-q', '-r', `rtmp://127.0.0.1:${port}/live/nothing`, '--live', '-m', '1', '-o', join(work, 'out.flv')]])
    write(outDir, 'rtmpdump-play.c2s.hex', trimSession(play, 0), `rtmpdump ${rtmpdumpVersion()} playing from our server: rtmpdump -r rtmp://127.0.0.1:PORT/live/nothing --live -m 1 (client→server bytes)`)

    const served = await recordServer()
    write(outDir, 'ffmpeg-listen.s2c.hex', served, `ffmpeg ${ffmpegVersion()} as a server: ffmpeg -listen 1 -i rtmp://127.0.0.1:PORT/live/x -f null - ; our client (C1 random bytes all zero) connects, creates a stream and publishes (server→client bytes)`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const FLV_ARGS = (out: string): string[] => [
  ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
  ...['-f', 'lavfi', '-i', 'testsrc=size=48x40:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000'],
  ...['-map', '0:v', '-map', '1:a', '-t', '1'],
  ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-profile:v', 'high', '-g', '5', '-bf', '2'],
  ...['-c:a', 'aac', '-b:a', '8k', '-ar', '8000', '-ac', '1', '-f', 'flv', out],
]

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 })
}

function ffmpegVersion(): string {
  return /ffmpeg version (\S+)/.exec(execFileSync('ffmpeg', ['-version']).toString())?.[1] ?? '?'
}

function rtmpdumpVersion(): string {
  const r = spawnSync('rtmpdump', ['-h'], { encoding: 'utf8' })
  return /RTMPDump (v\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?'
}

/** Runs our server, starts the peer, and records every byte the first connection sends until the peer exits. */
async function recordClient(peer: (port: number) => [string, string[]]): Promise<Uint8Array> {
  const rtmp = createServer()
  const chunks: Buffer[] = []
  let first = true
  const net = createNetServer((socket: Socket) => {
    if (first) socket.on('data', (d: Buffer) => chunks.push(Buffer.from(d)))
    first = false
    rtmp.handle(socket)
  })
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve))
  const port = (net.address() as AddressInfo).port
  const [cmd, args] = peer(port)
  await runUntilExit(cmd, args, 20_000)
  await rtmp.close()
  await new Promise<void>((resolve) => net.close(() => resolve()))
  return concatBytes(chunks)
}

function runUntilExit(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** ffmpeg -listen as the server; our client speaks to it and records what it answers. */
async function recordServer(): Promise<Uint8Array> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/x`, '-f', 'null', '-'], { stdio: 'ignore' })
  try {
    const socket = await connectWithRetry(port, 5000)
    return await speak(socket, port)
  } finally {
    child.kill('SIGKILL')
  }
}

async function connectWithRetry(port: number, timeoutMs: number): Promise<Socket> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(s))
        s.once('error', reject)
      })
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

function speak(socket: Socket, port: number): Promise<Uint8Array> {
  const received: Buffer[] = []
  const hs = new Handshake('client', { randomBytes: (n) => new Uint8Array(n) })
  const session = new ClientSession()
  return new Promise((resolve) => {
    const finish = (): void => {
      socket.destroy()
      resolve(concatBytes(received))
    }
    const timer = setTimeout(finish, 5000)
    const run = (actions: readonly ClientSessionAction[]): void => {
      for (const a of actions) {
        if (a.type === 'send') for (const d of a.data) socket.write(d)
        else if (a.type === 'event' && a.event.type === 'connected') run(session.createStream().actions)
        else if (a.type === 'event' && a.event.type === 'streamCreated') run(session.publish(a.event.streamId, 'x'))
        else if (a.type === 'event' && a.event.type === 'status' && a.event.status.code === 'NetStream.Publish.Start') {
          clearTimeout(timer)
          setTimeout(finish, 300)
        }
      }
    }
    socket.on('data', (d: Buffer) => {
      received.push(Buffer.from(d))
      let bytes: Uint8Array = d
      if (!hs.done) {
        const r = hs.receive(bytes)
        for (const s of r.send) socket.write(s)
        if (!r.done) return
        run(session.connect({ app: 'live', tcUrl: `rtmp://127.0.0.1:${port}/live` }))
        bytes = r.rest
      }
      run(session.receive(bytes))
    })
    socket.on('error', finish)
    socket.write(hs.start())
  })
}

/** C0+C1+C2, then the chunk stream up to the end of the `media`-th audio/video message (all of it when 0). */
function trimSession(bytes: Uint8Array, media: number): Uint8Array {
  if (media === 0) return bytes
  const reader = new ChunkReader()
  let seen = 0
  for (let i = 3073; i < bytes.length; i++) {
    reader.receive(bytes.subarray(i, i + 1), (m) => {
      if (m.typeId === 8 || m.typeId === 9) seen++
    })
    if (seen >= media) return bytes.subarray(0, i + 1)
  }
  return bytes
}

/** The FLV header and its first `tags` tags (each with its PreviousTagSize). */
function trimFlv(bytes: Uint8Array, tags: number): Uint8Array {
  const file = readFlvFile(bytes)
  let end = 13
  for (const t of file.tags.slice(0, tags)) end += 11 + t.data.length + 4
  return bytes.subarray(0, end)
}

function write(dir: string, name: string, bytes: Uint8Array, about: string): void {
  const lines = [`// ${about}`, `// ${bytes.length} bytes`]
  const hex = Buffer.from(bytes).toString('hex')
  for (let i = 0; i < hex.length; i += 64) lines.push(hex.slice(i, i + 64).replace(/(..)(?!$)/g, '$1 '))
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`)
  console.log(`wrote ${join(dir, name)} (${bytes.length} bytes)`)
}
