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
      'A codec property, not a server bug any more: decodeAmf0 returns the value behind an avmplus switch (0x11) ' +
      'as plain JS values, so AMF3 string / ByteArray ' +
      'references become separate copies when encodeAmf0 re-encodes it (AMF0 has no string references, and each ' +
      'AMF3-only value gets its own switch with fresh tables). A 265 KB payload re-encodes to 6.4 GB (encodeAmf0 ' +
      'spends ~23 s and ~6.8 GB RSS before failing at the 4 GiB Buffer limit). ServerConnection used to re-encode every ' +
      'publisher data message this way. Fixed where it hurt: the server now forwards data bytes as they came, and ' +
      'the encoders stop at 16 MiB (MAX_ENCODED_BYTES) with RTMP_ERR_AMF_UNENCODABLE.',
  })),
]

export function knownBug(target: string, message: string): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.target === target && b.pattern.test(message))
}
