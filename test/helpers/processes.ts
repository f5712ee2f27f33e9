import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { afterAll } from 'vitest'

/**
 * Child processes for interop tests (ffmpeg, rtmpdump, nginx). Every child:
 * - runs in its own process group (`detached`), so killing the group also kills what it spawned;
 * - has a hard timeout after which the group gets SIGTERM, then SIGKILL;
 * - keeps only the last `maxOutput` bytes of stdout and stderr;
 * - is killed when the test file finishes (`trackProcesses()`), or at the latest when the worker exits.
 */

export interface SpawnOptions {
  /** Hard limit on the child's lifetime. */
  readonly timeoutMs: number
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** Bytes of stdout / stderr kept (the tail). Default 256 KiB each. */
  readonly maxOutput?: number
  /** Time between SIGTERM and SIGKILL. Default 2000 ms. */
  readonly killGraceMs?: number
}

export interface ExitInfo {
  readonly command: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The hard timeout fired. */
  readonly timedOut: boolean
  /** Killed by `kill()` / cleanup (not by the timeout). */
  readonly killed: boolean
  readonly stdout: string
  readonly stderr: string
}

export interface PeerProcess {
  readonly pid: number
  readonly child: ChildProcess
  readonly command: string
  /** Output so far (bounded tail). */
  stdout(): string
  stderr(): string
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<ExitInfo>
  readonly running: boolean
  /** SIGTERM to the group, SIGKILL after the grace period; resolves on exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>
}

const live = new Set<PeerProcess>()

// Last resort: a worker that exits (or crashes) must not leave peers behind. process.kill is synchronous.
process.on('exit', () => {
  for (const p of live) killGroup(p.pid, 'SIGKILL')
})

/** Signals the child's process group (detached: its pgid is its pid). ESRCH means it is gone already. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

class Tail {
  private chunks: Buffer[] = []
  private size = 0
  truncated = false

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length
      this.truncated = true
    }
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8')
    const cut = text.length > this.max ? text.slice(text.length - this.max) : text
    return this.truncated || cut !== text ? `[…]${cut}` : cut
  }
}

/** Starts `command args` under a hard timeout. The caller must await `exited` or call `kill()`. */
export function spawnPeer(command: string, args: readonly string[], options: SpawnOptions): PeerProcess {
  const max = options.maxOutput ?? 256 * 1024
  const grace = options.killGraceMs ?? 2000
  const line = [command, ...args].join(' ')
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // own process group
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = new Tail(max)
  const err = new Tail(max)
  child.stdout?.on('data', (c: Buffer) => out.push(c))
  child.stderr?.on('data', (c: Buffer) => err.push(c))
  let timedOut = false
  let killed = false
  let running = true
  let killTimer: NodeJS.Timeout | undefined

  const terminate = (signal: NodeJS.Signals): void => {
    if (!running || child.pid === undefined) return
    killGroup(child.pid, signal)
    killTimer ??= setTimeout(() => {
      if (running && child.pid !== undefined) killGroup(child.pid, 'SIGKILL')
    }, grace)
  }
  const hardTimer = setTimeout(() => {
    timedOut = true
    terminate('SIGTERM')
  }, options.timeoutMs)

  let handle: PeerProcess
  const exited = new Promise<ExitInfo>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (!running) return
      running = false
      clearTimeout(hardTimer)
      if (killTimer) clearTimeout(killTimer)
      live.delete(handle)
      // the leader is gone; make sure nothing it started survives it
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL')
      resolve({ command: line, code, signal, timedOut, killed, stdout: out.toString(), stderr: err.toString() })
    }
    child.once('exit', finish)
    child.once('error', (e) => {
      err.push(Buffer.from(`spawn error: ${e.message}\n`))
      finish(null, null)
    })
  })

  handle = {
    pid: child.pid ?? -1,
    child,
    command: line,
    stdout: () => out.toString(),
    stderr: () => err.toString(),
    exited,
    get running() {
      return running
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      killed = true
      terminate(signal)
      return exited
    },
  }
  live.add(handle)
  return handle
}

/** Runs to completion (or the timeout) and returns how it ended. Never rejects. */
export function run(command: string, args: readonly string[], options: SpawnOptions): Promise<ExitInfo> {
  return spawnPeer(command, args, options).exited
}

/** A one-paragraph account of an exit, for assertion messages. */
export function describeExit(info: ExitInfo, tailChars = 2000): string {
  const how = info.timedOut ? 'timed out' : info.killed ? 'was killed' : `exited with ${info.code ?? info.signal}`
  const stderr = info.stderr.length > tailChars ? `…${info.stderr.slice(-tailChars)}` : info.stderr
  return `${info.command}\n${how}\n--- stderr ---\n${stderr}`
}

/** Kills every child still running (started through this module in this worker). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()))
}

/** Registers `afterAll(killAll)` in the current suite: call it at the top of each interop describe. */
export function trackProcesses(): void {
  afterAll(killAll, 10_000)
}

/** Resolves once something accepts TCP connections on host:port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host })
      const done = (result: boolean): void => {
        socket.destroy()
        resolve(result)
      }
      socket.setTimeout(Math.max(50, Math.min(1000, deadline - Date.now())), () => done(false))
      socket.once('connect', () => done(true))
      socket.once('error', () => done(false))
    })
    if (ok) return
    if (Date.now() >= deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
