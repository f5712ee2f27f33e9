import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** An executable on PATH (plus the sbin dirs, where Debian puts nginx), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return undefined
}
