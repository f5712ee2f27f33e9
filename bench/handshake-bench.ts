import { Handshake } from '../src/handshake/handshake'
import { formatRate, measure, printTable } from './measure'
import type { Measurement } from './measure'

const BATCH = 10

/** One full in-memory handshake: client C0C1 → server S0S1S2 → client C2 → server done. */
function handshakeOnce(complex: boolean): void {
  const client = new Handshake('client', { complex })
  const server = new Handshake('server')
  const s = server.receive(client.start())
  const c = client.receive(s.send[0]!)
  const done = server.receive(c.send[0]!).done
  if (!done || !client.done) throw new Error('bench handshake did not finish')
}

/** Full server+client handshakes per second in memory, simple and complex (HMAC-SHA256 digests). */
export function runHandshakeBench(): void {
  const run = (name: string, complex: boolean): Measurement =>
    measure(name, () => {
      for (let i = 0; i < BATCH; i++) handshakeOnce(complex)
      return BATCH
    })
  const results = [run('handshake simple (client+server)', false), run('handshake complex (client+server)', true)]
  printTable('Handshake', [
    ['case', 'rate', 'µs / handshake'],
    ...results.map((m) => [m.name, formatRate(m), (1e6 / m.opsPerSec).toFixed(1)]),
  ])
}
