// `npm run bench:fanout-compare -- [--players N --bitrate K --seconds S] [--fast] [--suite] [--find-max] [--json]`
// (also `bench/fanout-compare`): our server, node-media-server and nginx-rtmp in turn, with the same
// publisher, source file and load; one table per load with the ratios ours/nms and ours/nginx.
import { defaultWorkers, parseCli, USAGE, type CliOptions } from './cli-options'
import { findMax, printMax, type MaxResult } from './find-max'
import { describeMachine, machineInfo } from './machine'
import { loadTitle, printResults } from './report'
import { emptyResult, runFanout, type FanoutOptions, type FanoutResult } from './run-fanout'

const cli = parseCli(process.argv.slice(2), true)
if (cli.help) {
  console.log(`usage: npm run bench:fanout-compare -- [options]   (or bench/fanout-compare [options])\n${USAGE}`)
  process.exit(0)
}
const machine = machineInfo()
const log = (line: string): void => void process.stderr.write(`[fanout-compare] ${line}\n`)
log(describeMachine(machine))
if (!cli.json) console.log(`machine: ${describeMachine(machine)}`)

const loads: Omit<FanoutOptions, 'server'>[] = cli.suite ? suiteLoads(cli) : cli.findMax ? [] : [cli.run]
const compared: FanoutResult[][] = []
for (const load of loads) {
  const results: FanoutResult[] = []
  for (const server of cli.servers) {
    log(`${server}: ${load.players} players at ${load.kbps} kbit/s${load.fast ? ', fast publisher' : ''}`)
    results.push(await runOrReport({ ...load, server }))
  }
  compared.push(results)
  if (!cli.json) {
    console.log(`\nsource: ${results[0]?.source ?? '?'}`)
    printResults(`Fan-out compare: ${loadTitle(results[0]!)}`, results)
  }
}
const maxima: MaxResult[] = []
if (cli.findMax) {
  for (const server of cli.servers) maxima.push(await findMax(server, cli, runOrReport, log))
  if (!cli.json) printMax(cli, maxima)
}
if (cli.json) console.log(JSON.stringify({ machine, compared, maxima }, null, 2))

/** A run that failed (server crashed, publisher refused, ...) becomes a row saying so instead of ending the bench. */
async function runOrReport(options: FanoutOptions): Promise<FanoutResult> {
  try {
    return await runFanout(options, log)
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? String(err)
    log(`${options.server}: run failed: ${(err as Error).message}`)
    return emptyResult(options, '', `run failed: ${message}`)
  }
}

function suiteLoads(cli: CliOptions): Omit<FanoutOptions, 'server'>[] {
  const loads: Omit<FanoutOptions, 'server'>[] = []
  for (const kbps of [600, 2500]) {
    for (const players of [50, 200, 500, 1000]) loads.push({ ...cli.run, kbps, players, fast: false, workers: defaultWorkers(players) })
  }
  loads.push({ ...cli.run, kbps: 2500, players: 20, fast: true, workers: 1 })
  return loads
}
