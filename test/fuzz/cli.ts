import { performance } from 'node:perf_hooks'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { capture } from './capture'
import { fixturesDir } from './corpus'
import { FuzzEngine, judgeCase, runInterruptible, type FuzzFailureReport } from './engine'
import { knownBug } from './known-bugs'
import { loadRegressions, saveRegression } from './regressions'
import { TARGETS, targetNamed } from './targets'

/**
 * The long fuzz run: `npm run fuzz -- [options]` (built by tsup.fuzz.config.ts, runs without a TS runner).
 * The fuzzing happens in a worker thread; the main thread prints progress, saves failing inputs as
 * regression vectors, and, if the worker dies (out of memory, a native crash), saves the case it was on.
 */
const USAGE = `usage: npm run fuzz -- [options]
  --seconds N     total time, shared round-robin by the targets (default 300)
  --target A,B    only these targets (default: all; see --list)
  --seed N        replay a run (default: from the clock; printed at the start)
  --cases N       run exactly N cases per target instead of --seconds (deterministic)
  --slow-ms N     a case slower than this is a failure (default 250)
  --hang-ms N     a batch stuck this long is a hang (default 5000)
  --no-save       do not write regression vectors
  --save-known    also write vectors for known bugs (up to 64 KiB), marked expect: known-bug
  --list          list the targets
  --replay        replay test/fuzz/regressions/*.hex and report
  --capture       re-record the seed captures in test/fixtures (needs ffmpeg and rtmpdump)`

interface Args {
  seconds: number
  targets: string[]
  seed: number
  cases: number | undefined
  slowMs: number
  hangMs: number
  save: boolean
  saveKnown: boolean
  mode: 'fuzz' | 'list' | 'replay' | 'capture'
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    seconds: 300,
    targets: TARGETS.map((t) => t.name),
    seed: (Date.now() ^ (process.pid << 16)) >>> 0,
    cases: undefined,
    slowMs: 250,
    hangMs: 5000,
    save: true,
    saveKnown: false,
    mode: 'fuzz',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) usage(`${a} needs a value`)
      return v
    }
    const number = (): number => {
      const n = Number(value())
      if (!Number.isFinite(n) || n < 0) usage(`${a} needs a number`)
      return n
    }
    if (a === '--seconds') args.seconds = number()
    else if (a === '--seed') args.seed = number() >>> 0
    else if (a === '--cases') args.cases = Math.floor(number())
    else if (a === '--slow-ms') args.slowMs = number()
    else if (a === '--hang-ms') args.hangMs = number()
    else if (a === '--no-save') args.save = false
    else if (a === '--save-known') args.saveKnown = true
    else if (a === '--list') args.mode = 'list'
    else if (a === '--replay') args.mode = 'replay'
    else if (a === '--capture') args.mode = 'capture'
    else if (a === '--target') {
      args.targets = value().split(',').filter(Boolean)
      for (const t of args.targets) if (!targetNamed(t)) usage(`unknown target ${t}`)
    } else usage(a === '--help' || a === '-h' ? '' : `unknown option ${a}`)
  }
  return args
}

function usage(problem: string): never {
  if (problem) console.error(problem)
  console.error(USAGE)
  process.exit(problem ? 2 : 0)
}

// ── main thread ──────────────────────────────────────────────────────────────────────────────────────

const MAX_INPUT = 1 << 20
const HEADER = 16 // target index, check seed, case index, length (int32 each)

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.mode === 'list') {
    for (const t of TARGETS) console.log(`${t.name.padEnd(17)} ${t.about}`)
    return
  }
  if (args.mode === 'capture') return capture(fixturesDir())
  if (args.mode === 'replay') return replay(args)
  const how = args.cases === undefined ? `${args.seconds} s` : `${args.cases} cases per target`
  console.log(`fuzz: seed ${args.seed} · ${args.targets.join(', ')} · ${how} · slow > ${args.slowMs} ms · hang > ${args.hangMs} ms`)
  const shared = new SharedArrayBuffer(HEADER + MAX_INPUT)
  const worker = new Worker(new URL(import.meta.url), { workerData: { args, shared }, resourceLimits: { maxOldGenerationSizeMb: 4096 } })
  let unknown = 0
  let finished = false
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'log') console.log(m.text)
    else if (m.type === 'failure') unknown += record(m.failure, args)
    else finished = true
  })
  const exit = await new Promise<{ code: number; error: unknown }>((resolve) => {
    let error: unknown
    worker.on('error', (err) => (error = err))
    worker.on('exit', (code) => resolve({ code, error }))
  })
  if (!finished) {
    unknown++
    record(crashedCase(shared, args, exit.error ?? `exit code ${exit.code}`), args)
  }
  console.log(unknown === 0 ? 'fuzz: no new failures' : `fuzz: ${unknown} new failure(s)`)
  process.exitCode = unknown === 0 ? 0 : 1
}

/** Prints a failure and saves it (new bugs only, unless --save-known); returns 1 for a new bug, 0 for a known one. */
function record(f: FuzzFailureReport, args: Args): number {
  const where = `${f.target} ${f.kind} (seed ${f.seed}, case ${f.caseIndex}, check seed ${f.checkSeed}, ${f.input.length} bytes)`
  if (f.known) {
    console.log(`  known bug ${f.known.id}: ${where}`)
    if (args.save && args.saveKnown && f.input.length <= 64 * 1024) console.log(`  saved test/fuzz/regressions/${saveRegression(f)}`)
    return 0
  }
  console.log(`\nFAILURE ${where}\n${f.message}`)
  if (!args.save) return 1
  if (f.input.length > MAX_INPUT) console.log(`  not saved: ${f.input.length} bytes is too big for a vector; replay with --seed ${f.seed}`)
  else console.log(`  saved test/fuzz/regressions/${saveRegression(f)}`)
  return 1
}

/** The case the worker was running when it died, from the shared buffer it writes before each case. */
function crashedCase(shared: SharedArrayBuffer, args: Args, error: unknown): FuzzFailureReport {
  const h = new Int32Array(shared, 0, 4)
  const target = TARGETS[h[0]!]?.name ?? 'unknown'
  const input = new Uint8Array(shared, HEADER, Math.min(h[3]!, MAX_INPUT)).slice()
  const message = `the fuzz worker died: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
  return { target, kind: 'untyped', message, signature: message, input, checkSeed: h[1]! >>> 0, seed: args.seed, caseIndex: h[2]!, known: knownBug(target, message) }
}

function replay(args: Args): void {
  let bad = 0
  for (const v of loadRegressions()) {
    const target = targetNamed(v.target)
    if (!target) {
      console.log(`${v.file}: unknown target ${v.target}`)
      bad++
      continue
    }
    let verdict: ReturnType<typeof judgeCase> | undefined
    const finished = runInterruptible(() => (verdict = judgeCase(target, v.input, v.checkSeed, args.slowMs)), args.hangMs)
    const failure = finished ? verdict?.failure : { kind: 'hang', message: `no result after ${args.hangMs} ms` }
    const expected = v.expect === 'pass' ? failure === undefined : failure !== undefined
    if (!expected) bad++
    console.log(`${expected ? 'as expected' : 'UNEXPECTED '} ${v.file} (expect ${v.expect}): ${failure ? `${failure.kind}: ${failure.message.split('\n')[0]}` : 'passes'}`)
  }
  process.exitCode = bad === 0 ? 0 : 1
}

// ── worker ───────────────────────────────────────────────────────────────────────────────────────────

type WorkerMessage = { type: 'log'; text: string } | { type: 'failure'; failure: FuzzFailureReport } | { type: 'done' }

function work(args: Args, shared: SharedArrayBuffer): void {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m)
  const header = new Int32Array(shared, 0, 4)
  const data = new Uint8Array(shared, HEADER)
  const engines = args.targets.map((name) => {
    const target = targetNamed(name)!
    const index = TARGETS.indexOf(target)
    return new FuzzEngine(target, {
      seed: args.seed,
      minimizeKnown: args.saveKnown,
      slowMs: args.slowMs,
      hangMs: args.hangMs,
      onCase: (input, checkSeed, caseIndex) => {
        header[0] = index
        header[1] = checkSeed | 0
        header[2] = caseIndex
        header[3] = input.length
        data.set(input.length <= MAX_INPUT ? input : input.subarray(0, MAX_INPUT))
      },
    })
  })
  const reported = new Map<FuzzEngine, number>()
  const flush = (): void => {
    for (const e of engines) {
      for (const f of e.failures.slice(reported.get(e) ?? 0)) post({ type: 'failure', failure: f })
      reported.set(e, e.failures.length)
    }
  }
  const start = performance.now()
  let lastLog = start
  const log = (final: boolean): void => {
    const t = ((performance.now() - start) / 1000).toFixed(0).padStart(5)
    for (const e of engines) post({ type: 'log', text: `[${t}s] ${line(e, final)}` })
  }
  if (args.cases !== undefined) {
    for (const e of engines) {
      e.run({ cases: args.cases })
      flush()
    }
  } else {
    const deadline = start + args.seconds * 1000
    const slice = Math.max(200, Math.min(2000, (args.seconds * 1000) / engines.length / 10))
    while (performance.now() < deadline && engines.some((e) => !e.done)) {
      for (const e of engines) {
        if (e.done || performance.now() >= deadline) continue
        e.run({ ms: Math.min(slice, deadline - performance.now()) })
        flush()
      }
      if (performance.now() - lastLog > 30_000) {
        log(false)
        lastLog = performance.now()
      }
    }
  }
  log(true)
  post({ type: 'done' })
}

function line(e: FuzzEngine, final: boolean): string {
  const rate = e.elapsedMs > 0 ? Math.round((e.cases * 1000) / e.elapsedMs) : 0
  const head = `${e.target.name.padEnd(17)} ${String(e.cases).padStart(9)} cases ${String(rate).padStart(7)}/s  corpus ${String(e.corpusSize).padStart(4)}  failures ${e.failures.length}`
  if (!final) return head
  const byCode = new Map<string, number>()
  for (const [k, n] of e.outcomes) byCode.set(k.split(':')[0]!, (byCode.get(k.split(':')[0]!) ?? 0) + n)
  const top = [...byCode.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${Math.round((100 * n) / Math.max(1, e.cases))}% ${k}`)
  return `${head}  (${top.join(', ')})`
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
} else {
  const { args, shared } = workerData as { args: Args; shared: SharedArrayBuffer }
  work(args, shared)
}
