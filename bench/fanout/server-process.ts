// What every server under test is to the bench: one process (one PID to sample) listening on a port.
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { trackChild } from './child-cleanup'
import { waitForPort } from './net-util'

export type ServerName = 'ours' | 'ours-batched' | 'nms' | 'nginx' | 'ours-cluster'
/** the servers compared by default */
export const SERVER_NAMES: readonly ServerName[] = ['ours', 'ours-batched', 'nms', 'nginx']
/** every --server the bench knows: also `ours-cluster`, our cluster example (examples/cluster.ts) */
export const ALL_SERVER_NAMES: readonly ServerName[] = [...SERVER_NAMES, 'ours-cluster']

export interface ServerUnderTest {
  readonly name: ServerName
  /** name and version, e.g. "node-media-server 4.4.3" */
  readonly label: string
  readonly pid: number
  readonly port: number
  /** how it was configured, for the report */
  readonly notes: readonly string[]
  /** sample `pid` with all its descendants (a cluster's primary and workers) instead of alone */
  readonly tree?: boolean
  /** the last lines of its log */
  log(): string
  stop(): Promise<void>
}

/** A server that cannot run here, and why (the bench says so and runs the others). */
export interface MissingServer {
  readonly name: ServerName
  readonly missing: string
}

/**
 * Spawns `command` with output to `logFile`, waits for `port`, and returns it as a ServerUnderTest.
 * The spawned process must be the server itself (no shell, no wrapper), since its PID is what is sampled.
 */
export async function startServerProcess(
  spec: Omit<ServerUnderTest, 'pid' | 'log' | 'stop'> & { command: string; args: string[]; cwd?: string; logFile: string; onStop?: () => void },
): Promise<ServerUnderTest> {
  const fd = openSync(spec.logFile, 'a')
  const child: ChildProcess = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  trackChild(child)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `${spec.label} exited (${code ?? signal})`))
  child.once('error', (err) => (exited = `${spec.label} did not start: ${err.message}`))
  const log = (): string => {
    try {
      return readFileSync(spec.logFile, 'utf8').split('\n').slice(-20).join('\n')
    } catch {
      return ''
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await gone
      clearTimeout(timer)
    }
    spec.onStop?.()
  }
  try {
    await waitForPort(spec.port, 20_000, () => exited)
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n${log()}`)
  }
  return { name: spec.name, label: spec.label, pid: child.pid!, port: spec.port, notes: spec.notes, ...(spec.tree ? { tree: true } : {}), log, stop }
}
