import { Buffer } from 'node:buffer'

/** C0/S0: the only RTMP version we speak (plain, unencrypted RTMP). */
export const RTMP_VERSION = 3

/** C1/S1/C2/S2 are all this long. */
export const PACKET_SIZE = 1536

/** HMAC-SHA256 output length, and the size of every digest in a handshake packet. */
export const DIGEST_LENGTH = 32

/** C2/S2 in a complex handshake: random bytes up to here, the digest after. */
export const RESPONSE_DIGEST_OFFSET = PACKET_SIZE - DIGEST_LENGTH

/**
 * Version field (bytes 4..7) of a complex C1: Flash Player 9.0.124.2, what ffmpeg sends.
 * Servers only look at whether it is non-zero.
 */
export const CLIENT_VERSION: readonly number[] = [0x09, 0x00, 0x7c, 0x02]

/**
 * Version field of a complex S1 (nginx-rtmp's). ffmpeg validates S1/S2 only when the first byte is >= 3,
 * and then requires valid digests, so this must be >= 3 and our digests must be right.
 */
export const SERVER_VERSION: readonly number[] = [0x0d, 0x0e, 0x0a, 0x0d]

/** The 32 bytes both Genuine keys end with. */
const KEY_TAIL = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d,
  0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]

/** "Genuine Adobe Flash Player 001" + tail: 62 bytes. C2 digests use all of it. */
export const PLAYER_KEY: Uint8Array = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), Buffer.from(KEY_TAIL)])

/** "Genuine Adobe Flash Media Server 001" + tail: 68 bytes. S2 digests use all of it. */
export const SERVER_KEY: Uint8Array = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), Buffer.from(KEY_TAIL)])

/** C1 digests are keyed with the text part of the player key only (30 bytes). */
export const PLAYER_KEY_TEXT: Uint8Array = PLAYER_KEY.subarray(0, 30)

/** S1 digests are keyed with the text part of the server key only (36 bytes). */
export const SERVER_KEY_TEXT: Uint8Array = SERVER_KEY.subarray(0, 36)
