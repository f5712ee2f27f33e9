import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hex } from '../helpers/hex'
import type { FuzzFailureReport } from './engine'

/**
 * A saved failing input: test/fuzz/regressions/<target>-<kind>-<hash>.hex. Comment lines carry what replay
 * needs (target, check seed) and what was seen; the rest is hex. `expect` is 'pass' (a bug to fix: the replay
 * test fails until it is) or 'known-bug <id>' (replayed with `it.fails`, see known-bugs.ts).
 */
export interface RegressionVector {
  readonly file: string
  readonly target: string
  readonly kind: string
  readonly checkSeed: number
  readonly expect: string
  readonly message: string
  readonly input: Uint8Array
}

export function regressionsDir(): string {
  return join(process.cwd(), 'test', 'fuzz', 'regressions')
}

export function loadRegressions(dir = regressionsDir()): RegressionVector[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((file) => parse(file, readFileSync(join(dir, file), 'utf8')))
}

function parse(file: string, text: string): RegressionVector {
  const header = new Map<string, string>()
  const message: string[] = []
  for (const line of text.split('\n')) {
    const m = /^\/\/ ([a-z-]+): (.*)$/.exec(line)
    if (m) header.set(m[1]!, m[2]!)
    else if (line.startsWith('//   ')) message.push(line.slice(5))
  }
  const target = header.get('target')
  const checkSeed = Number(header.get('check-seed'))
  if (!target || !Number.isInteger(checkSeed)) throw new Error(`${file}: needs "// target:" and "// check-seed:" lines`)
  return {
    file,
    target,
    kind: header.get('kind') ?? '?',
    checkSeed,
    expect: header.get('expect') ?? 'pass',
    message: message.join('\n'),
    input: hex(text),
  }
}

/** Writes `f` as a vector (unless an identical input is saved already); returns the file name. */
export function saveRegression(f: FuzzFailureReport, dir = regressionsDir()): string {
  mkdirSync(dir, { recursive: true })
  const hash = createHash('sha256').update(f.input).digest('hex').slice(0, 10)
  const file = `${f.target}-${f.kind}-${hash}.hex`
  const lines = [
    `// target: ${f.target}`,
    `// kind: ${f.kind}`,
    `// check-seed: ${f.checkSeed}`,
    `// found: seed ${f.seed}, case ${f.caseIndex}`,
    `// expect: ${f.known ? `known-bug ${f.known.id}` : 'pass'}`,
    '// message:',
    ...f.message.split('\n').map((l) => `//   ${l}`),
    `// input: ${f.input.length} bytes`,
  ]
  const h = Buffer.from(f.input).toString('hex')
  for (let i = 0; i < h.length; i += 64) lines.push(h.slice(i, i + 64).replace(/(..)(?!$)/g, '$1 '))
  writeFileSync(join(dir, file), `${lines.join('\n')}\n`)
  return file
}
