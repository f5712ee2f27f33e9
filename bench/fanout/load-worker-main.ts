// A load-generator process: runs its share of the players (see player.ts) and answers the bench over IPC.
// Marks snapshot every player's byte counter at the moment they arrive, so the window is the worker's own.
import type { FromWorker, ToWorker, WorkerReport } from './ipc'
import { Player } from './player'

const players: Player[] = []
const marks = new Map<string, { bytes: number[]; playing: boolean[] }>()
const send = (msg: FromWorker): void => void process.send!(msg)

process.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'start':
      start(msg)
      return
    case 'mark':
      marks.set(msg.id, { bytes: players.map((p) => p.mediaBytes), playing: players.map((p) => p.state === 'playing') })
      send({ type: 'marked', id: msg.id })
      return
    case 'collect':
      send({ type: 'report', ...report(msg.from, msg.to) })
      return
    case 'stop':
      for (const p of players) p.stop()
      process.disconnect()
      setTimeout(() => process.exit(0), 200).unref()
      return
  }
})
process.on('disconnect', () => process.exit(0))

function start(msg: Extract<ToWorker, { type: 'start' }>): void {
  let settled = 0
  const onSettled = (): void => {
    if (++settled === msg.players) ready()
  }
  const ready = (): void => {
    clearTimeout(timer)
    const playing = players.filter((p) => p.state === 'playing').length
    send({ type: 'ready', playing, failed: players.length - playing, errors: reasons() })
  }
  const timer = setTimeout(() => {
    for (const p of players) if (p.state === 'connecting') p.error ??= `no NetStream.Play.Start within ${msg.connectTimeoutMs} ms`
    settled = -Infinity // late players no longer count towards ready
    ready()
  }, msg.connectTimeoutMs)
  for (let i = 0; i < msg.players; i++) {
    const player = new Player(msg.target, onSettled)
    players.push(player)
    if (msg.connectRate > 0) setTimeout(() => player.start(), (i * 1000) / msg.connectRate)
    else player.start()
  }
}

function report(from: string, to: string): WorkerReport {
  const a = marks.get(from)?.bytes ?? []
  const b = marks.get(to)
  return {
    windowBytes: players.map((_, i) => (b?.bytes[i] ?? 0) - (a[i] ?? 0)),
    connected: players.map((_, i) => b?.playing[i] ?? false),
    ttffMs: players.map((p) => p.ttffMs ?? null),
    errors: reasons(),
  }
}

function reasons(): string[] {
  const seen = new Map<string, number>()
  for (const p of players) if (p.error !== undefined) seen.set(p.error, (seen.get(p.error) ?? 0) + 1)
  return [...seen].slice(0, 5).map(([reason, n]) => `${n}× ${reason}`)
}
