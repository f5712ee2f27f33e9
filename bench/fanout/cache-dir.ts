import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where the bench keeps what it makes or installs between runs (source files, node-media-server, run dirs). */
export function benchCacheDir(): string {
  const dir = join(tmpdir(), 'rtmp-kit-bench')
  mkdirSync(dir, { recursive: true })
  return dir
}
