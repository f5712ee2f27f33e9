import { startNginx } from './nginx-server'
import { getNms } from './nms-install'
import { startNms } from './nms-server'
import { startOurs, startOursCluster } from './ours-server'
import type { MissingServer, ServerName, ServerUnderTest } from './server-process'

/**
 * Starts one server under test in `dir` on `port`, or says why it cannot run here. node-media-server is
 * installed into the bench's temp cache first when `installNms` is set.
 */
export async function startServer(
  name: ServerName,
  opts: { port: number; dir: string; players: number; installNms: boolean; clusterWorkers: number; batchMs: number },
): Promise<ServerUnderTest | MissingServer> {
  switch (name) {
    case 'ours':
      return startOurs(opts.port, opts.dir)
    case 'ours-batched':
      return startOurs(opts.port, opts.dir, { writeBatchMs: opts.batchMs })
    case 'ours-cluster':
      return startOursCluster(opts.port, opts.dir, opts.clusterWorkers)
    case 'nms': {
      const { nms, missing } = getNms(opts.installNms)
      return nms ? startNms(nms, opts.port, opts.dir) : { name, missing: missing ?? 'node-media-server is not available' }
    }
    case 'nginx':
      return startNginx(opts.port, opts.dir, opts.players)
  }
}

export function isMissing(s: ServerUnderTest | MissingServer): s is MissingServer {
  return 'missing' in s
}
