import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { describe, it } from 'vitest'

/** Real RTMP peers used by test/interop. */
export type PeerName = 'ffmpeg' | 'ffprobe' | 'rtmpdump' | 'nginx'

/** Where Debian/Ubuntu (libnginx-mod-rtmp) and common source builds put the nginx-rtmp dynamic module. */
export const NGINX_RTMP_MODULE_PATHS: readonly string[] = [
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  '/usr/lib64/nginx/modules/ngx_rtmp_module.so',
  '/usr/local/nginx/modules/ngx_rtmp_module.so',
  '/usr/share/nginx/modules/ngx_rtmp_module.so',
]

export const INSTALL_HINT = 'apt-get install ffmpeg rtmpdump nginx libnginx-mod-rtmp'

// nginx lives in /usr/sbin on Debian, which a non-root PATH may lack
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin']

const cache = new Map<PeerName, string | undefined>()

/** True when RTMP_INTEROP=1: missing peers fail the run instead of skipping (CI). */
export function interopRequired(): boolean {
  return process.env.RTMP_INTEROP === '1'
}

/** True when `path` is a regular file this process may access in `mode` (`constants.X_OK`, `R_OK`, ...). */
function accessibleFile(path: string, mode: number): boolean {
  try {
    accessSync(path, mode)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** True when `path` is a regular file this process may run. */
export function executable(path: string): boolean {
  return accessibleFile(path, constants.X_OK)
}

/** True when `path` is a regular file this process may read. */
export function readable(path: string): boolean {
  return accessibleFile(path, constants.R_OK)
}

/** The nginx-rtmp module file, or undefined. */
export function findNginxRtmpModule(): string | undefined {
  return NGINX_RTMP_MODULE_PATHS.find(readable)
}

/**
 * Absolute path of a peer's executable (PATH, then the usual sbin/bin dirs), or undefined. For 'nginx' the
 * rtmp module must be installed too (see `findNginxRtmpModule`), since plain nginx cannot be a peer.
 */
export function findPeer(name: PeerName): string | undefined {
  if (cache.has(name)) return cache.get(name)
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  let found = dirs.map((d) => join(d, name)).find(executable)
  if (name === 'nginx' && found !== undefined && findNginxRtmpModule() === undefined) found = undefined
  cache.set(name, found)
  return found
}

/** A `describe` whose body receives the peers' paths. */
export type InteropDescribe<P extends PeerName> = (title: string, body: (peers: Readonly<Record<P, string>>) => void) => void

/**
 * Returns a describe for a suite that needs `peers`:
 * - all present: a plain `describe`, and the body gets each peer's absolute path;
 * - some missing: `describe.skip` (the body is not even run) after a console warning saying what is missing;
 * - some missing with RTMP_INTEROP=1: a describe holding one failing test that names what is missing.
 */
export function interopSuite<P extends PeerName>(name: string, peers: readonly P[]): InteropDescribe<P> {
  const paths: Partial<Record<P, string>> = {}
  const missing: string[] = []
  for (const peer of peers) {
    const path = findPeer(peer)
    if (path !== undefined) paths[peer] = path
    else missing.push(peer === 'nginx' ? 'nginx with the rtmp module' : peer)
  }
  if (missing.length === 0) {
    const all = paths as Readonly<Record<P, string>>
    return (title, body) => describe(title, () => body(all))
  }
  const why = `interop suite "${name}" needs ${missing.join(', ')} (install: ${INSTALL_HINT})`
  if (interopRequired()) {
    return (title) =>
      describe(title, () => {
        it('has every peer it needs (RTMP_INTEROP=1)', () => {
          throw new Error(`${why}; RTMP_INTEROP=1 makes a missing peer a failure`)
        })
      })
  }
  console.warn(`[interop] skipping: ${why}. Set RTMP_INTEROP=1 to make this a failure.`)
  return (title) =>
    describe.skip(title, () => {
      it.skip(`skipped: ${why}`, () => {})
    })
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the bench's: listen on port 0, read it, close). */
export { freePort } from '../../bench/fanout/net-util'
