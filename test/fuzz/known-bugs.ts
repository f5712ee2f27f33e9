/**
 * Bugs the fuzzer found that are not fixed yet (the decoders belong to other owners). A failure matching one
 * of these does not fail the bounded pass; its regression vector under test/fuzz/regressions/ names the id
 * and is replayed with `it.fails`, so fixing the bug makes that test fail until the marker is removed.
 */
export interface KnownBug {
  readonly id: string
  readonly target: string
  /** Matched against the failure message. */
  readonly pattern: RegExp
  readonly summary: string
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  ...['amf0', 'message', 'session'].map((target) => ({
    id: 'amf0-avmplus-reference-amplification',
    target,
    pattern: /amplification/,
    summary:
      'decodeAmf0 returns the value behind an avmplus switch (0x11) as plain JS values, so AMF3 string / ByteArray ' +
      'references become separate copies when encodeAmf0 re-encodes it (AMF0 has no string references, and each ' +
      'AMF3-only value gets its own switch with fresh tables). A 265 KB payload re-encodes to 6.4 GB (encodeAmf0 ' +
      'spends ~23 s and ~6.8 GB RSS before failing at the 4 GiB Buffer limit). ServerConnection re-encodes every ' +
      "publisher data message this way (src/transport/server-connection.ts, `encodeAmf0(e.values)`).",
  })),
  {
    id: 'connect-app-trailing-slash-regex',
    target: 'session',
    pattern: /^one case took|^no result after/,
    summary:
      "ServerSession.onConnect strips trailing slashes with `rawApp.replace(/\\/+$/, '')`, which is quadratic on a run " +
      "of '/' not at the end: an app of 40k slashes + 'x' costs ~0.8 s, 100k ~3 s, and the 16 MiB a connect may carry " +
      'would block the event loop for hours. Reachable before any authentication (the first command).',
  },
  {
    id: 'chunk-abort-reallocation-churn',
    target: 'chunk',
    pattern: /^one case took/,
    summary:
      'MessageAssembler allocates the whole declared message length (up to maxMessageLength, 16 MiB) as soon as the ' +
      "first byte of a message arrives, although the architecture rule says lengths are checked 'against the bytes " +
      "present before allocating'. Abort (type 2) frees it and the next 1-byte chunk allocates 16 MiB again: with Set " +
      'Chunk Size 1 and fmt 3 headers one cycle is 10 bytes, so ~10 KB of input make 1000 allocations of 16 MiB ' +
      '(0.6 s of CPU in allocation and GC here; ~70 ms per KB with a 300 MB heap). Works before connect.',
  },
  {
    id: 'session-answer-over-max-message-length',
    target: 'session',
    pattern: /RangeError: message length \d+ over 0xFFFFFF/,
    summary:
      'ServerSession echoes peer strings in its answers (`Method not found (<name>).`, `<name> is now published.` plus ' +
      '`details: <name>`, `<name> not found`); when the peer sent a string near the 16 MiB message limit the answer is ' +
      'longer than 0xFFFFFF and ChunkWriter.write throws a RangeError out of receive() / accept() / reject().',
  },
]

export function knownBug(target: string, message: string): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.target === target && b.pattern.test(message))
}
