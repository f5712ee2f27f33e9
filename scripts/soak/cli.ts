import { formatReport, runSoak, type SoakOptions } from './soak'

/** `npm run soak -- [options]`: built by tsup.soak.config.ts, run with --expose-gc. Exits 1 when the soak fails. */
const USAGE = `usage: npm run soak -- [options]
  --sessions N      sessions in the measured run (default 1000)
  --concurrency C   sessions at once (default 50)
  --seed S          replay a run's plan (default: from the clock; printed at the start)
  --minutes M       run for M minutes instead of a fixed number of sessions
  --warmup N        unmeasured sessions before the baseline (default min(50, sessions / 10))
  --settle-ms MS    most time to wait for counts to return to baseline (default 15000)
  --heap-snapshots DIR  write baseline.heapsnapshot and after.heapsnapshot to DIR (open in Chrome DevTools)`

function parseArgs(argv: readonly string[]): SoakOptions {
  const options: { -readonly [K in keyof SoakOptions]: SoakOptions[K] } = { log: (line) => console.log(line) }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') usage('')
    const raw = argv[++i]
    if (a === '--heap-snapshots') {
      if (raw === undefined) usage(`${a} needs a directory`)
      options.heapSnapshotDir = raw
      continue
    }
    const n = Number(raw)
    if (raw === undefined || !Number.isFinite(n) || n < 0) usage(`${a} needs a number`)
    if (a === '--sessions') options.sessions = Math.floor(n)
    else if (a === '--concurrency') options.concurrency = Math.max(1, Math.floor(n))
    else if (a === '--seed') options.seed = n >>> 0
    else if (a === '--minutes') options.minutes = n
    else if (a === '--warmup') options.warmup = Math.floor(n)
    else if (a === '--settle-ms') options.settleMs = n
    else usage(`unknown option ${a}`)
  }
  return options
}

function usage(problem: string): never {
  if (problem) console.error(problem)
  console.error(USAGE)
  process.exit(problem ? 2 : 0)
}

const report = await runSoak(parseArgs(process.argv.slice(2)))
console.log(formatReport(report))
process.exitCode = report.ok ? 0 : 1
