import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findExecutable } from './executables'
import { startServerProcess, type MissingServer, type ServerUnderTest } from './server-process'

const MODULE_PATHS = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/lib64/nginx/modules/ngx_rtmp_module.so', '/usr/local/nginx/modules/ngx_rtmp_module.so']

/**
 * nginx-rtmp from the Debian packages, `master_process off` + `daemon off` + `worker_processes 1`: one
 * process does all the work, so its /proc figures are the whole server's. Its live application keeps no GOP
 * (a player waits for the next keyframe). worker_connections follows the load (a larger table costs resident
 * memory up front, which would show in its peak RSS).
 */
export async function startNginx(port: number, dir: string, players: number): Promise<ServerUnderTest | MissingServer> {
  const nginx = findExecutable('nginx')
  const module = MODULE_PATHS.find((p) => existsSync(p))
  if (nginx === undefined) return { name: 'nginx', missing: 'nginx is not installed (apt-get install nginx libnginx-mod-rtmp)' }
  if (module === undefined) return { name: 'nginx', missing: 'the nginx rtmp module is not installed (apt-get install libnginx-mod-rtmp)' }
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
error_log ${join(dir, 'nginx-error.log')} warn;
pid ${join(dir, 'nginx.pid')};
load_module ${module};
events {
  worker_connections ${Math.max(1024, players + 64)};
}
rtmp {
  access_log off;
  server {
    listen 127.0.0.1:${port};
    application live {
      live on;
    }
  }
}
`,
  )
  return startServerProcess({
    name: 'nginx',
    label: `nginx ${nginxVersion(nginx)} + rtmp module ${debianVersion('libnginx-mod-rtmp')}`,
    port,
    notes: [`worker_processes 1, master_process off, daemon off: one PID; worker_connections ${Math.max(1024, players + 64)}; application live { live on; }, rtmp defaults`],
    command: nginx,
    args: ['-e', join(dir, 'nginx-error.log'), '-p', `${dir}/`, '-c', conf],
    logFile: join(dir, 'nginx.log'),
  })
}

function nginxVersion(nginx: string): string {
  const r = spawnSync(nginx, ['-v'], { encoding: 'utf8' }) // nginx -v prints to stderr
  return /nginx\/(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?'
}

function debianVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || '?'
  } catch {
    return '?'
  }
}
