import { performance } from 'node:perf_hooks'
import { Script, createContext } from 'node:vm'
import { createRng, type Rng } from '../helpers/rng'
import { knownBug, type KnownBug } from './known-bugs'
import { mutate, type Sample } from './mutate'
import { FuzzFailure, errorKey, isAllowed, topFrames } from './oracle'
import type { FuzzTarget } from './target'

export type FailureKind = 'untyped' | 'property' | 'slow' | 'hang' | 'memory'

export interface FuzzFailureReport {
  readonly target: string
  readonly kind: FailureKind
  readonly message: string
  /** Kind + message with numbers blanked: one bug, one signature. */
  readonly signature: string
  readonly input: Uint8Array
  /** Seed of the rng `check` got (input splits, limits, policies): replay needs it with the input. */
  readonly checkSeed: number
  readonly seed: number
  readonly caseIndex: number
  readonly known: KnownBug | undefined
}

export interface EngineOptions {
  readonly seed: number
  /** A case slower than this (plus 60 ms per MiB of input) fails; checked twice, to rule out a GC pause. Default 250 ms. */
  readonly slowMs?: number
  /** A batch of cases is interrupted after this long: the case that was running hangs. Default 5000 ms. */
  readonly hangMs?: number
  /** Shrink failing inputs (not for slow/hang/memory). Default true. */
  readonly minimize?: boolean
  /** Shrink failures of known bugs too (to save them as vectors). Default false. */
  readonly minimizeKnown?: boolean
  readonly minimizeMs?: number
  /** Stop collecting after this many distinct failures. Default 10. */
  readonly maxFailures?: number
  /** Called with each case before it runs (the CLI keeps it where a crash cannot lose it). */
  readonly onCase?: (input: Uint8Array, checkSeed: number, caseIndex: number) => void
}

/** Case `index` of a run seeded with `seed` gets its own seed, so a case replays without those before it. */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const MAX_CORPUS = 2000
const BATCH_MS = 50

/**
 * Runs one target: draws inputs (fresh from its generators, or mutations of its corpus), runs `check` under
 * the oracles (typed errors only, per-case time, ArrayBuffer growth) and keeps inputs whose outcome was new.
 * Cases run in batches inside `vm` with a timeout, so an endless loop in a decoder is interrupted and
 * reported as a hang instead of freezing the run.
 */
export class FuzzEngine {
  readonly target: FuzzTarget
  readonly seed: number
  readonly failures: FuzzFailureReport[] = []
  /** Outcome → count: 'ok', or the name and code of the typed error the decoder threw. */
  readonly outcomes = new Map<string, number>()
  cases = 0
  elapsedMs = 0
  private readonly corpus: Sample[]
  private readonly signatures = new Set<string>()
  private readonly options: Required<Omit<EngineOptions, 'onCase'>> & Pick<EngineOptions, 'onCase'>
  private readonly script = new Script('runBatch()')
  private current: { input: Uint8Array; checkSeed: number; index: number } | undefined

  constructor(target: FuzzTarget, options: EngineOptions) {
    this.target = target
    this.seed = options.seed >>> 0
    this.options = { slowMs: 250, hangMs: 5000, minimize: true, minimizeKnown: false, minimizeMs: 2000, maxFailures: 10, ...options }
    this.corpus = target.seeds(createRng(this.seed))
  }

  get corpusSize(): number {
    return this.corpus.length
  }

  get done(): boolean {
    return this.failures.filter((f) => !f.known).length >= this.options.maxFailures
  }

  /** Runs until `cases` more cases ran or `ms` passed (whichever comes first). */
  run(limit: { cases?: number; ms?: number }): void {
    const start = performance.now()
    const stopAt = limit.ms === undefined ? Infinity : start + limit.ms
    const lastCase = limit.cases === undefined ? Infinity : this.cases + limit.cases
    let found: Found | undefined
    const context = createContext({
      runBatch: () => {
        const until = Math.min(stopAt, performance.now() + BATCH_MS)
        while (this.cases < lastCase && !this.done && performance.now() < until && !found) found = this.runCase(this.cases++)
      },
    })
    while (this.cases < lastCase && !this.done && performance.now() < stopAt) {
      try {
        this.script.runInContext(context, { timeout: this.options.hangMs })
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err
        // interrupted while drawing an input (a generator, not a decoder) has no case to blame
        if (this.current) found = { kind: 'hang', message: `no result after ${this.options.hangMs} ms (the batch was interrupted)`, ...this.current }
      }
      this.current = undefined
      // reported (and shrunk) outside the time-limited batch
      if (found) this.report(found)
      found = undefined
    }
    this.elapsedMs += performance.now() - start
  }

  private runCase(index: number): Found | undefined {
    const s = caseSeed(this.seed, index)
    const rng = createRng(s)
    const input = this.draw(rng).bytes
    const checkSeed = (s ^ 0x5bd1e995) >>> 0
    this.current = { input, checkSeed, index }
    this.options.onCase?.(input, checkSeed, index)
    const verdict = this.judge(input, checkSeed)
    this.current = undefined
    if (verdict.failure) return { ...verdict.failure, input, checkSeed, index }
    this.outcomes.set(verdict.outcome, (this.outcomes.get(verdict.outcome) ?? 0) + 1)
    if (!this.signatures.has(verdict.outcome) && this.corpus.length < MAX_CORPUS && input.length <= (this.target.maxLength ?? 1 << 20)) {
      this.signatures.add(verdict.outcome)
      this.corpus.push({ bytes: input })
    }
    return undefined
  }

  private draw(rng: Rng): Sample {
    const t = this.target
    const options = { tokens: t.tokens ?? [], corpus: this.corpus, maxLength: t.maxLength ?? 1 << 20 }
    if (rng.next() < 0.2 || this.corpus.length === 0) {
      const fresh = t.generate(rng)
      return rng.next() < 0.5 ? fresh : mutate(fresh, rng, options)
    }
    return mutate(rng.pick(this.corpus), rng, options)
  }

  judge(input: Uint8Array, checkSeed: number): Verdict {
    return judgeCase(this.target, input, checkSeed, this.options.slowMs)
  }

  private report(f: Found): void {
    const { kind, message, input, checkSeed, index } = f
    const signature = signatureOf(kind, message)
    if (this.failures.some((x) => x.signature === signature)) return
    let small = input
    let text = message
    const shrinkable = kind === 'untyped' || kind === 'property'
    if (this.options.minimize && shrinkable && (this.options.minimizeKnown || !knownBug(this.target.name, message))) {
      small = this.shrink(input, checkSeed, signature)
      // describe the input that is kept
      if (small !== input) text = checkOnce(this.target, small, checkSeed, this.options.slowMs).failure?.message ?? message
    }
    this.failures.push({
      target: this.target.name,
      kind,
      message: text,
      signature,
      input: small,
      checkSeed,
      seed: this.seed,
      caseIndex: index,
      known: knownBug(this.target.name, text),
    })
  }

  /** Delta debugging light: drop ranges, halving their size, while the failure keeps its signature. */
  private shrink(input: Uint8Array, checkSeed: number, signature: string): Uint8Array {
    const until = performance.now() + this.options.minimizeMs
    const same = (b: Uint8Array): boolean => {
      let v: Verdict | undefined
      // a smaller input may loop where the original did not: every attempt is time-limited too
      if (!runInterruptible(() => (v = checkOnce(this.target, b, checkSeed, this.options.slowMs)), this.options.hangMs)) return false
      return v?.failure !== undefined && signatureOf(v.failure.kind, v.failure.message) === signature
    }
    let best = input
    for (let size = best.length >> 1; size >= 1 && performance.now() < until; size >>= 1) {
      for (let at = 0; at + size <= best.length && performance.now() < until; ) {
        const candidate = new Uint8Array(best.length - size)
        candidate.set(best.subarray(0, at))
        candidate.set(best.subarray(at + size), at)
        if (same(candidate)) best = candidate
        else at += size
      }
    }
    return best
  }
}

interface Found {
  readonly kind: FailureKind
  readonly message: string
  readonly input: Uint8Array
  readonly checkSeed: number
  readonly index: number
}

function signatureOf(kind: FailureKind, message: string): string {
  return `${kind}: ${template(message.split('\n')[0] ?? '')}`
}

export interface Verdict {
  /** 'ok', or the typed error the decoder threw (name, code, message template). */
  readonly outcome: string
  readonly failure?: { readonly kind: FailureKind; readonly message: string }
}

/** Runs `check` once under every oracle; slow and memory verdicts are confirmed by a second run. */
export function judgeCase(target: FuzzTarget, input: Uint8Array, checkSeed: number, slowMs = 250): Verdict {
  const first = checkOnce(target, input, checkSeed, slowMs)
  if (first.failure?.kind !== 'slow' && first.failure?.kind !== 'memory') return first
  const second = checkOnce(target, input, checkSeed, slowMs)
  return second.failure?.kind === first.failure.kind ? second : { outcome: second.outcome }
}

function checkOnce(t: FuzzTarget, input: Uint8Array, checkSeed: number, slowMs: number): Verdict {
  const before = process.memoryUsage().arrayBuffers
  const t0 = performance.now()
  let outcome = 'ok'
  let failure: { kind: FailureKind; message: string } | undefined
  try {
    t.check(input, createRng(checkSeed))
  } catch (err) {
    if (err instanceof FuzzFailure) failure = { kind: 'property', message: err.message }
    else if (isAllowed(err, t.allowed)) outcome = `${errorKey(err)}: ${template((err as Error).message)}`
    else failure = { kind: 'untyped', message: describeUntyped(err) }
  }
  const ms = performance.now() - t0
  const grown = process.memoryUsage().arrayBuffers - before
  if (failure) return { outcome, failure }
  // a big input may take longer: 60 ms more per MiB (a 16 MiB session gets about a second)
  const limit = slowMs + (60 * input.length) / (1 << 20)
  if (ms > limit) return { outcome, failure: { kind: 'slow', message: `one case took ${ms.toFixed(0)} ms (limit ${limit.toFixed(0)} ms) for ${input.length} input bytes` } }
  const budget = t.memoryBudget(input)
  if (grown > budget) {
    return { outcome, failure: { kind: 'memory', message: `one case left ${mb(grown)} of ArrayBuffers allocated for ${input.length} input bytes (budget ${mb(budget)})` } }
  }
  return { outcome }
}

/**
 * Runs `fn` with a time limit that also stops synchronous code (an endless loop): `vm` interrupts the
 * script it runs, including the functions it calls. Returns false when interrupted.
 */
export function runInterruptible(fn: () => void, ms: number): boolean {
  try {
    new Script('run()').runInContext(createContext({ run: fn }), { timeout: ms })
    return true
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false
    throw err
  }
}

/** A message with its numbers blanked, so that one bug with different values has one signature. */
export function template(message: string): string {
  return message
    .replace(/0x[0-9a-f]+/gi, '#')
    .replace(/\d+/g, '#')
    .slice(0, 160)
}

function describeUntyped(err: unknown): string {
  if (!(err instanceof Error)) return `threw a non-Error: ${String(err)}`
  return `untyped ${err.name}: ${err.message}\n${topFrames(err, 4)}`
}

function mb(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`
}
