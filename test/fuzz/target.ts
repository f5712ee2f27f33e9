import type { Rng } from '../helpers/rng'
import type { Sample } from './mutate'
import type { ErrorClass } from './oracle'

/**
 * One decoder under fuzz. `check` feeds it one input and applies every oracle; it may throw one of
 * `allowed` (the decoder refused the input, as it should) or a FuzzFailure (a bug); anything else it
 * throws is a bug too.
 */
export interface FuzzTarget {
  readonly name: string
  /** One line: what is fed to what. */
  readonly about: string
  readonly allowed: readonly ErrorClass[]
  /** Starting corpus: valid encodings from our encoders and real captures. */
  seeds(rng: Rng): Sample[]
  /** A fresh structured input: valid, or hostile on purpose (deep nesting, reference bombs, huge lengths). */
  generate(rng: Rng): Sample
  /** Byte strings that mean something to this decoder, for the token mutator. */
  readonly tokens?: readonly Uint8Array[]
  /** Inputs longer than this are cut (keeps cases fast). Default 1 MiB. */
  readonly maxLength?: number
  /** `rng` drives the check's own choices (input splits, limits, accept/reject): replayable from its seed. */
  check(input: Uint8Array, rng: Rng): void
  /** ArrayBuffer bytes one case may leave allocated (measured around the case). */
  memoryBudget(input: Uint8Array): number
  /** Cases of the bounded pass in `npm test` (about one second). */
  readonly quickCases: number
}

/** Budget for decoders that must only allocate in proportion to their input. */
export const proportional =
  (factor: number, slack = 4 << 20) =>
  (input: Uint8Array): number =>
    factor * input.length + slack
