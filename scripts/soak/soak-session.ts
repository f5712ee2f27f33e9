import { connect as netConnect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { RtmpClient, type ClientPlayStream, type RtmpError } from 'rtmp-kit'
import type { SessionPlan } from './soak-plan'
import { AAC_HEADER, audioFrame, AVC_HEADER, FRAME_MS, METADATA, PARTIAL_CHUNK, videoFrame } from './soak-media'

export interface SessionOutcome {
  /** kind/end, e.g. 'publisher/mid-chunk' */
  readonly label: string
  /**
   * ok: went as planned (errors after our own drop are part of the plan); rejected: the server said no in a
   * way the plan allows (a publish of a name someone else publishes); error: something failed before we
   * dropped anything; hung: still running at the session deadline.
   */
  readonly result: 'ok' | 'rejected' | 'error' | 'hung'
  readonly detail?: string
  /** audio + video frames written / read */
  readonly sent: number
  readonly received: number
}

export interface SessionTarget {
  readonly host: string
  readonly port: number
  /** a session still running after this is 'hung' and its socket is reset */
  readonly deadlineMs: number
}

const HANDSHAKE_C1 = 1536

/** Runs one planned session against the server; never rejects. */
export async function runSession(plan: SessionPlan, target: SessionTarget): Promise<SessionOutcome> {
  const socket = netConnect({ host: target.host, port: target.port, noDelay: true })
  socket.on('error', () => {}) // our own resets and the server's drops surface here; the client reports them
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const counts = { sent: 0, received: 0, dropped: false }
  // handshake drops after some bytes are reported by the server (RTMP_ERR_HANDSHAKE_TRUNCATED); silent ones are not
  const label = plan.kind === 'handshake-drop' && plan.bytes > 0 ? `${plan.kind}/bytes-${plan.end}` : `${plan.kind}/${plan.end}`
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), target.deadlineMs)
  })
  const drop = (how: 'destroy' | 'reset'): void => {
    counts.dropped = true
    if (how === 'reset' && !socket.destroyed && socket.readyState !== 'opening') socket.resetAndDestroy()
    else socket.destroy()
  }
  const work = (async (): Promise<Omit<SessionOutcome, 'label' | 'sent' | 'received'>> => {
    try {
      switch (plan.kind) {
        case 'handshake-drop':
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', resolve)
            socket.once('error', reject)
          })
          if (plan.bytes > 0) socket.write(new Uint8Array(Math.min(plan.bytes, 1 + HANDSHAKE_C1 * 2)).fill(0, 1).fill(3, 0, 1))
          await sleep(5)
          drop(plan.end)
          return { result: 'ok' }
        case 'connect-drop':
          return await connectDrop(plan, socket, target, drop)
        case 'silent':
          return await silent(plan, socket, closed)
        case 'publisher':
          return await publisher(plan, socket, target, counts, drop)
        case 'player':
          return await player(plan, socket, target, counts, drop)
      }
    } catch (err) {
      if (counts.dropped) return { result: 'ok' }
      const e = err as RtmpError
      return { result: 'error', detail: `${e.code ?? e.name}: ${e.message}` }
    }
  })()
  const outcome = await Promise.race([work, deadline])
  clearTimeout(timer)
  if (outcome === 'hung') {
    drop('reset')
    return { label, result: 'hung', sent: counts.sent, received: counts.received }
  }
  if (!socket.destroyed) socket.destroy() // every path has ended the session by now; make sure of the socket
  await closed
  return { label, ...outcome, sent: counts.sent, received: counts.received }
}

/** C0 and half of C1, or a whole (simple) handshake, then nothing: the server's timers must close it. */
async function silent(plan: Extract<SessionPlan, { kind: 'silent' }>, socket: Socket, closed: Promise<void>): Promise<Omit<SessionOutcome, 'label' | 'sent' | 'received'>> {
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const c0c1 = new Uint8Array(1 + HANDSHAKE_C1)
  c0c1[0] = 3
  if (plan.end === 'handshake-timeout') {
    socket.write(c0c1.subarray(0, 1 + HANDSHAKE_C1 / 2))
    socket.resume() // read, to see the server's close
  } else {
    socket.write(c0c1)
    let got = 0
    socket.on('data', (chunk: Buffer) => {
      if (got < 1 + 2 * HANDSHAKE_C1 && (got += chunk.length) >= 1 + 2 * HANDSHAKE_C1) socket.write(new Uint8Array(HANDSHAKE_C1)) // C2 after S0+S1+S2
    })
  }
  await closed
  return { result: 'ok' }
}

async function connect(socket: Socket, target: SessionTarget): Promise<RtmpClient> {
  return RtmpClient.connect(`rtmp://${target.host}:${target.port}/soak`, { socket, timeout: 10_000 })
}

async function connectDrop(
  plan: Extract<SessionPlan, { kind: 'connect-drop' }>,
  socket: Socket,
  target: SessionTarget,
  drop: (how: 'destroy' | 'reset') => void,
): Promise<Omit<SessionOutcome, 'label' | 'sent' | 'received'>> {
  const client = await connect(socket, target)
  if (plan.end === 'close') await client.close()
  else if (plan.end === 'destroy') drop('destroy')
  else {
    client.play(plan.name).catch(() => {}) // dropped before Play.Start arrives
    await new Promise((resolve) => setImmediate(resolve))
    drop('reset')
  }
  return { result: 'ok' }
}

async function publisher(
  plan: Extract<SessionPlan, { kind: 'publisher' }>,
  socket: Socket,
  target: SessionTarget,
  counts: { sent: number },
  drop: (how: 'destroy' | 'reset') => void,
): Promise<Omit<SessionOutcome, 'label' | 'sent' | 'received'>> {
  const client = await connect(socket, target)
  let pub
  try {
    pub = await client.publish(plan.name)
  } catch (err) {
    await client.close()
    const e = err as RtmpError & { status?: { code?: string } }
    if (e.status?.code === 'NetStream.Publish.BadName') return { result: 'rejected', detail: 'name already published' }
    throw err
  }
  await pub.writeMetadata(METADATA)
  await pub.writeVideo(0, AVC_HEADER)
  await pub.writeAudio(0, AAC_HEADER)
  for (let n = 0; n < plan.endAt; n++) {
    const ts = n * FRAME_MS
    await pub.writeVideo(ts, videoFrame(n))
    await pub.writeAudio(ts, audioFrame())
    counts.sent += 2
    await sleep(FRAME_MS) // real-time pace: a stream lives long enough for players to come and go
  }
  switch (plan.end) {
    case 'close':
      await client.close()
      break
    case 'unpublish':
      await pub.close()
      await sleep(50)
      await client.close()
      break
    case 'mid-chunk':
      await new Promise<void>((resolve) => socket.write(PARTIAL_CHUNK, () => resolve()))
      drop('reset')
      break
    default:
      drop(plan.end)
  }
  return { result: 'ok' }
}

async function player(
  plan: Extract<SessionPlan, { kind: 'player' }>,
  socket: Socket,
  target: SessionTarget,
  counts: { received: number },
  drop: (how: 'destroy' | 'reset') => void,
): Promise<Omit<SessionOutcome, 'label' | 'sent' | 'received'>> {
  const client = await connect(socket, target)
  const stream: ClientPlayStream = await client.play(plan.name, { timeout: 10_000 })
  if (plan.end === 'stall') {
    // never read: the reader's queue fills, the socket pauses, the server holds what it cannot send
    await sleep(plan.waitMs)
    drop('reset')
    return { result: 'ok' }
  }
  const stop = setTimeout(() => stream.close(), plan.waitMs)
  try {
    for await (const msg of stream) {
      if (msg.type !== 'data') counts.received++
      if (counts.received >= plan.frames) break // leaving the loop closes the stream (deleteStream)
    }
  } finally {
    clearTimeout(stop)
  }
  if (plan.end === 'close') await client.close()
  else if (plan.end === 'break') {
    stream.close()
    await sleep(50)
    await client.close()
  } else drop(plan.end)
  return { result: 'ok' }
}
