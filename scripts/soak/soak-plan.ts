import type { Rng } from '../../test/helpers/rng'

/**
 * What one soak session does, drawn from the seeded RNG before it starts. Ends:
 * - `close`: the polite way (FCUnpublish/deleteStream, then the socket is flushed and ended);
 * - `unpublish` / `break`: the stream is closed first, the connection a moment later;
 * - `destroy`: the socket is dropped without a word (FIN); `reset`: with a TCP RST;
 * - `mid-chunk`: half a chunk is written, then RST; `stall`: the player stops reading, then RST.
 */
export type SessionPlan =
  | { readonly kind: 'publisher'; readonly name: string; readonly frames: number; readonly end: 'close' | 'unpublish' | 'destroy' | 'reset' | 'mid-chunk'; readonly endAt: number }
  | { readonly kind: 'player'; readonly name: string; readonly frames: number; readonly waitMs: number; readonly end: 'close' | 'break' | 'destroy' | 'reset' | 'stall' }
  /** TCP connect, C0 + `bytes` of C1, then a hang-up (`bytes` 0: connect and go) */
  | { readonly kind: 'handshake-drop'; readonly bytes: number; readonly end: 'destroy' | 'reset' }
  /** connect, then a close or drop; `play-drop` asks to play and drops before the answer */
  | { readonly kind: 'connect-drop'; readonly name: string; readonly end: 'close' | 'destroy' | 'play-drop' }
  /** goes quiet until the server gives up on it: mid-handshake (handshake timeout) or before connect (connect timeout) */
  | { readonly kind: 'silent'; readonly end: 'handshake-timeout' | 'connect-timeout' }

export type SessionKind = SessionPlan['kind']

function weighted<T>(rng: Rng, choices: ReadonlyArray<readonly [T, number]>): T {
  let r = rng.next() * choices.reduce((a, [, w]) => a + w, 0)
  for (const [value, w] of choices) if ((r -= w) < 0) return value
  return choices[choices.length - 1]![0]
}

/**
 * A session drawn from `rng`; stream names come from a pool of `names`, so plays meet publishers. `timeScale`
 * shortens (below 1) how long publishers publish and players watch.
 */
export function planSession(rng: Rng, names: number, timeScale = 1): SessionPlan {
  const scaled = (n: number): number => Math.max(1, Math.round(n * timeScale))
  const name = `soak${rng.int(0, names - 1)}`
  const kind = weighted<SessionKind>(rng, [
    ['publisher', 35],
    ['player', 45],
    ['handshake-drop', 8],
    ['connect-drop', 8],
    ['silent', 4],
  ])
  switch (kind) {
    case 'publisher': {
      const frames = scaled(rng.int(50, 400)) // 2 to 16 s at real-time pace
      const end = weighted(rng, [
        ['close', 35],
        ['unpublish', 10],
        ['destroy', 20],
        ['reset', 15],
        ['mid-chunk', 20],
      ] as const)
      return { kind, name, frames, end, endAt: end === 'close' || end === 'unpublish' ? frames : rng.int(0, frames) }
    }
    case 'player':
      return {
        kind,
        name,
        frames: scaled(rng.int(50, 600)),
        waitMs: scaled(rng.int(1000, 10_000)),
        end: weighted(rng, [
          ['close', 35],
          ['break', 15],
          ['destroy', 20],
          ['reset', 15],
          ['stall', 15],
        ] as const),
      }
    case 'handshake-drop':
      return { kind, bytes: rng.bool() ? 0 : rng.int(1, 3072), end: rng.bool() ? 'destroy' : 'reset' }
    case 'connect-drop':
      return { kind, name, end: weighted(rng, [['close', 1], ['destroy', 1], ['play-drop', 1]] as const) }
    case 'silent':
      return { kind, end: rng.bool() ? 'handshake-timeout' : 'connect-timeout' }
  }
}
