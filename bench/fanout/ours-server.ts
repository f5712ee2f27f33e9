import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess, type ServerUnderTest } from './server-process'

/** Starts our server (ours-server-main.ts, bundled beside this bench) as a plain node process. */
export async function startOurs(port: number, dir: string, options?: { writeBatchMs: number }): Promise<ServerUnderTest> {
  const script = fileURLToPath(new URL('./fanout-server.mjs', import.meta.url))
  return startServerProcess({
    name: options ? 'ours-batched' : 'ours',
    label: `rtmp-kit ${packageVersion()} (node ${process.versions.node})`,
    port,
    notes: [`createServer(${options ? JSON.stringify(options) : ''}) defaults: live router, GOP cache on, chunk size 4096`, ...envNotes()],
    command: process.execPath,
    // RTMP_KIT_BENCH_NODE_ARGS: node flags for the server alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    args: [...nodeArgs(), script, String(port), ...(options ? [JSON.stringify(options)] : [])],
    logFile: join(dir, 'ours.log'),
  })
}

/**
 * Starts our cluster example (examples/cluster.ts, bundled as fanout-cluster.mjs): a primary that forks
 * `workers` RTMP servers sharing the port. Ready once every worker listens (the primary says so in its log):
 * until then the port would send every connection to the first worker. Sampled as a process tree.
 */
export async function startOursCluster(port: number, dir: string, workers: number): Promise<ServerUnderTest> {
  const script = fileURLToPath(new URL('./fanout-cluster.mjs', import.meta.url))
  const logFile = join(dir, 'ours-cluster.log')
  const server = await startServerProcess({
    name: 'ours-cluster',
    label: `rtmp-kit ${packageVersion()} cluster example, ${workers} workers (node ${process.versions.node})`,
    port,
    notes: [`examples/cluster.ts: ${workers} workers + primary, round-robin; CPU and peak RSS summed over the process tree (peak = sum of each process's VmHWM)`],
    command: process.execPath,
    args: [...nodeArgs(), script, String(port), String(workers)],
    logFile,
    tree: true,
  })
  const deadline = Date.now() + 20_000
  while (!readFileSync(logFile, 'utf8').includes(`${workers} workers on`)) {
    if (Date.now() > deadline) {
      await server.stop()
      throw new Error(`the cluster's workers did not all start\n${server.log()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return server
}

function nodeArgs(): string[] {
  return (process.env.RTMP_KIT_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
}

/** Options and flags that differ from the defaults, so the report says so. */
function envNotes(): string[] {
  const notes: string[] = []
  if (process.env.RTMP_KIT_BENCH_SERVER_OPTIONS) notes.push(`server options ${process.env.RTMP_KIT_BENCH_SERVER_OPTIONS}`)
  if (process.env.RTMP_KIT_BENCH_NODE_ARGS) notes.push(`node ${process.env.RTMP_KIT_BENCH_NODE_ARGS}`)
  return notes
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string }
    return pkg.name === 'rtmp-kit' && pkg.version ? pkg.version : 'dev'
  } catch {
    return 'dev'
  }
}
