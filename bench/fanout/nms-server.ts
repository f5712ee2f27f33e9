import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NmsInstall } from './nms-install'
import { startServerProcess, type ServerUnderTest } from './server-process'

/**
 * node-media-server with only RTMP on: no HTTP/HTTPS/RTMPS ports, no web admin, no auth, no recording,
 * its store in our temp dir. Its constructor sets the log level to debug (a line per session); the launcher
 * sets it to warn afterwards, as a deployment would, so that logging does not count against it.
 */
export async function startNms(nms: NmsInstall, port: number, dir: string): Promise<ServerUnderTest> {
  const data = join(dir, 'nms-data')
  mkdirSync(data, { recursive: true })
  const config = {
    bind: '127.0.0.1',
    rtmp: { port },
    store: { path: data },
    record: { auto: false, path: join(data, 'record') },
    webadmin: { enable: false },
    auth: { play: false, publish: false },
  }
  const launcher = join(dir, 'nms-launcher.cjs')
  writeFileSync(
    launcher,
    `// written by rtmp-kit bench/fanout: node-media-server ${nms.version}, RTMP only
const NodeMediaServer = require(${JSON.stringify(nms.packageDir)})
const logger = require(${JSON.stringify(join(nms.packageDir, 'src', 'core', 'logger.js'))})
const nms = new NodeMediaServer(${JSON.stringify(config)}, ${JSON.stringify(join(dir, 'nms-config.json'))})
logger.level = 'warn'
nms.run()
const stop = () => Promise.resolve(nms.stop()).finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
`,
  )
  return startServerProcess({
    name: 'nms',
    label: `node-media-server ${nms.version} (node ${process.versions.node})`,
    port,
    notes: ['RTMP only (no http/admin/auth/record), log level warn, its GOP cache (default on)'],
    command: process.execPath,
    args: [launcher],
    cwd: dir,
    logFile: join(dir, 'nms.log'),
  })
}
