import { Duplex } from 'node:stream'

/** Two connected in-memory Duplex ends (what node:stream duplexPair does on newer Node). */
export function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex
  let b!: Duplex
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        other().push(chunk)
        cb()
      },
      final(cb) {
        other().push(null)
        cb()
      },
      destroy(err, cb) {
        const peer = other()
        if (!peer.destroyed) peer.destroy()
        cb(err)
      },
    })
  a = make(() => b)
  b = make(() => a)
  return [a, b]
}
