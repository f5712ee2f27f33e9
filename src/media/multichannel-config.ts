import { FlvError } from './flv-error'

/**
 * Enhanced RTMP v2 AudioPacketType.MultichannelConfig body: which speaker each channel feeds, for codecs
 * that do not say it themselves.
 */
export type AudioChannelOrder = 'unspecified' | 'native' | 'custom'

export type MultichannelConfig =
  /** Only the channel count is known. */
  | { readonly order: 'unspecified'; readonly channels: number }
  /** Channels in AudioChannel order; `channelFlags` is an AudioChannelMask (FrontLeft 0x1, FrontRight 0x2, …). */
  | { readonly order: 'native'; readonly channels: number; readonly channelFlags: number }
  /** `mapping[i]` is the AudioChannel (0 FrontLeft, 1 FrontRight, …, 0xfe unused, 0xff unknown) of channel i. */
  | { readonly order: 'custom'; readonly channels: number; readonly mapping: readonly number[] }

const ORDERS: readonly AudioChannelOrder[] = ['unspecified', 'native', 'custom']

/**
 * Parses a MultichannelConfig body (after the FourCC).
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'multichannel-config': an unknown channel order, or
 * truncated.
 */
export function parseMultichannelConfig(body: Uint8Array): MultichannelConfig {
  if (body.length < 2) throw new FlvError('multichannel-config', `MultichannelConfig: ${body.length} bytes, need 2`, 0)
  const order = ORDERS[body[0]!]
  const channels = body[1]!
  if (order === undefined) throw new FlvError('multichannel-config', `unknown AudioChannelOrder ${body[0]}`, 0)
  if (order === 'unspecified') return { order, channels }
  if (order === 'native') {
    if (body.length < 6) throw new FlvError('multichannel-config', 'MultichannelConfig channel flags cut short', 2)
    return { order, channels, channelFlags: ((body[2]! << 24) | (body[3]! << 16) | (body[4]! << 8) | body[5]!) >>> 0 }
  }
  if (body.length < 2 + channels) throw new FlvError('multichannel-config', 'MultichannelConfig channel mapping cut short', 2)
  return { order, channels, mapping: Array.from(body.subarray(2, 2 + channels)) }
}

/**
 * Encodes a MultichannelConfig body (to pass as the payload of `audioExTag` with packet type
 * MultichannelConfig).
 *
 * @throws {FlvError} reason 'multichannel-config': a channel count outside 0..255 or not matching the mapping.
 */
export function encodeMultichannelConfig(config: MultichannelConfig): Uint8Array {
  const { channels } = config
  if (!Number.isInteger(channels) || channels < 0 || channels > 255) {
    throw new FlvError('multichannel-config', `channel count ${channels} is not 0..255`)
  }
  if (config.order === 'unspecified') return Uint8Array.of(0, channels)
  if (config.order === 'native') {
    const f = config.channelFlags >>> 0
    return Uint8Array.of(1, channels, f >>> 24, (f >>> 16) & 0xff, (f >>> 8) & 0xff, f & 0xff)
  }
  if (config.mapping.length !== channels) {
    throw new FlvError('multichannel-config', `${config.mapping.length} mapping entries for ${channels} channels`)
  }
  return Uint8Array.of(2, channels, ...config.mapping.map((m) => m & 0xff))
}
