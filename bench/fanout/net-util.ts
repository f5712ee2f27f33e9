import { connect, createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the port'))))
    })
  })
}

/** Resolves once something accepts TCP connections on host:port; rejects after `timeoutMs` or when `gone()`. */
export async function waitForPort(port: number, timeoutMs: number, gone: () => string | undefined, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const why = gone()
    if (why !== undefined) throw new Error(why)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host })
      const done = (result: boolean): void => {
        socket.destroy()
        resolve(result)
      }
      socket.setTimeout(1000, () => done(false))
      socket.once('connect', () => done(true))
      socket.once('error', () => done(false))
    })
    if (ok) return
    if (Date.now() >= deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
