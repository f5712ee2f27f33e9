// node-media-server, installed by the bench into its temp cache with `npm install --prefix` (never a
// dependency of this package). Installing needs the npm registry, so it only happens when asked for.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchCacheDir } from './cache-dir'

/** The major line compared against; the newest 4.x is installed. */
export const NMS_SPEC = 'node-media-server@4'

export interface NmsInstall {
  /** the --prefix folder */
  readonly prefix: string
  /** node_modules/node-media-server inside it */
  readonly packageDir: string
  readonly version: string
}

export function nmsPrefix(): string {
  return process.env.NMS_PREFIX ?? join(benchCacheDir(), 'nms')
}

/** The install in the bench's cache, if there is one. */
export function findNms(prefix = nmsPrefix()): NmsInstall | undefined {
  const packageDir = join(prefix, 'node_modules', 'node-media-server')
  const pkg = join(packageDir, 'package.json')
  if (!existsSync(pkg)) return undefined
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }
  return { prefix, packageDir, version }
}

/** Installs node-media-server 4.x into the cache unless it is there. @throws when npm fails (offline, ...) */
export function installNms(prefix = nmsPrefix()): NmsInstall {
  const found = findNms(prefix)
  if (found) return found
  mkdirSync(prefix, { recursive: true })
  process.stderr.write(`installing ${NMS_SPEC} into ${prefix} (npm install --prefix)\n`)
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', NMS_SPEC], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  })
  const installed = findNms(prefix)
  if (!installed) throw new Error(`npm install --prefix ${prefix} ${NMS_SPEC} left no node-media-server`)
  return installed
}

/** The installed copy, installing it when `install` is set; undefined (with the reason) when unavailable. */
export function getNms(install: boolean): { nms?: NmsInstall; missing?: string } {
  const found = findNms()
  if (found) return { nms: found }
  if (!install) return { missing: `node-media-server is not installed in ${nmsPrefix()} (run with --with-nms to install it)` }
  try {
    return { nms: installNms() }
  } catch (err) {
    return { missing: `could not install ${NMS_SPEC}: ${(err as Error).message.split('\n')[0]}` }
  }
}
