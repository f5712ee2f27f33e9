// `npm run bench:fanout -- --players N --bitrate K --seconds S --server ours|nms|nginx [--fast] [--json]`
// One fan-out load against one server (or each --server given, in turn): see docs/performance.md.
import { parseCli, USAGE } from './cli-options'
import { describeMachine, machineInfo } from './machine'
import { loadTitle, printResults } from './report'
import { emptyResult, runFanout, type FanoutResult } from './run-fanout'

const cli = parseCli(process.argv.slice(2), false)
if (cli.help) {
  console.log(`usage: npm run bench:fanout -- [options]\n${USAGE}`)
  process.exit(0)
}
const machine = machineInfo()
const log = (line: string): void => void process.stderr.write(`[fanout] ${line}\n`)
log(describeMachine(machine))
const results: FanoutResult[] = []
for (const server of cli.servers) {
  log(`${server}: ${cli.run.players} players at ${cli.run.kbps} kbit/s${cli.run.fast ? ', fast publisher' : ''}`)
  try {
    results.push(await runFanout({ ...cli.run, server }, log))
  } catch (err) {
    log(`${server}: run failed: ${(err as Error).message}`)
    results.push(emptyResult({ ...cli.run, server }, '', `run failed: ${(err as Error).message.split('\n')[0]}`))
    process.exitCode = 1
  }
}
if (cli.json) console.log(JSON.stringify({ machine, results }, null, 2))
else {
  console.log(`machine: ${describeMachine(machine)}`)
  console.log(`source: ${results[0]?.source ?? '?'}`)
  printResults(`Fan-out: ${loadTitle(results[0]!)}`, results)
}
