import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findNginxRtmpModule, findPeer, freePort } from './peers'
import { spawnPeer, waitForPort } from './processes'
import type { PeerProcess } from './processes'

export interface NginxRtmpOptions {
  /** nginx executable; default `findPeer('nginx')`. */
  readonly nginx?: string
  /** Extra `application` blocks (text) for the rtmp server; `live` is always there. */
  readonly applications?: string
  /** Hard limit on nginx's lifetime. Default 120 s. */
  readonly lifetimeMs?: number
  /** How long to wait for the port to open. Default 10 s. */
  readonly startTimeoutMs?: number
}

export interface NginxRtmp {
  readonly port: number
  /** The temp dir holding nginx.conf and error.log (removed by `stop`). */
  readonly dir: string
  /** rtmp://127.0.0.1:port/app/stream */
  url(stream: string, app?: string): string
  /** nginx's error log so far (info level). */
  errorLog(): string
  readonly process: PeerProcess
  stop(): Promise<void>
}

/**
 * The config we run nginx-rtmp with. Single process in the foreground (`daemon off; master_process off`),
 * so killing our child kills nginx, and it does not switch user (running as root needs no `user` line).
 * No http block, hence no client_body/proxy temp paths under /var/lib/nginx.
 */
export function nginxRtmpConfig(dir: string, module: string, port: number, applications = ''): string {
  return `daemon off;
master_process off;
error_log ${join(dir, 'error.log')} info;
pid ${join(dir, 'nginx.pid')};
load_module ${module};
events {}
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record off;
    }
${applications}
  }
}
`
}

/**
 * Starts nginx with the rtmp module on a free 127.0.0.1 port, with its own temp dir. Retries with another
 * port if nginx exits at startup (e.g. the port got taken in between). Call `stop()` (or rely on
 * `trackProcesses()` / the hard lifetime) so nothing outlives the test.
 *
 * @throws Error with nginx's error log when it does not come up.
 */
export async function startNginxRtmp(options: NginxRtmpOptions = {}): Promise<NginxRtmp> {
  const nginx = options.nginx ?? findPeer('nginx')
  const module = findNginxRtmpModule()
  if (nginx === undefined || module === undefined) throw new Error('nginx with the rtmp module is not installed')
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-nginx-'))
    const port = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), nginxRtmpConfig(dir, module, port, options.applications))
    const errorLog = (): string => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8')
      } catch {
        return ''
      }
    }
    // -e: the error log before the config is read (the default is stderr); -p: prefix for relative paths
    const child = spawnPeer(nginx, ['-e', join(dir, 'error.log'), '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], {
      timeoutMs: options.lifetimeMs ?? 120_000,
    })
    let up = false
    const portReady = waitForPort(port, options.startTimeoutMs ?? 10_000)
    const earlyExit = child.exited.then((exit) => {
      if (!up) throw new Error(`nginx exited at startup (${exit.code ?? exit.signal}):\n${exit.stderr}\n${errorLog()}`)
    })
    // whichever loses the race below settles later, unobserved
    portReady.catch(() => {})
    earlyExit.catch(() => {})
    try {
      await Promise.race([portReady, earlyExit])
      up = true
    } catch (err) {
      lastError = err
      await child.kill()
      rmSync(dir, { recursive: true, force: true })
      continue
    }
    return {
      port,
      dir,
      url: (stream, app = 'live') => `rtmp://127.0.0.1:${port}/${app}/${stream}`,
      errorLog,
      process: child,
      async stop() {
        await child.kill('SIGTERM') // nginx exits at once on TERM (SIGQUIT would wait for clients)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}
