import { BitReader } from './bit-reader'
import { FlvError } from './flv-error'

/** AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), the body of an AAC sequence header. */
export interface AacConfig {
  /** Audio object type as signaled: 2 AAC-LC, 5 SBR (HE-AAC), 29 PS (HE-AACv2), … */
  readonly objectType: number
  /** With explicit SBR/PS signaling, the object type of the core (usually 2); otherwise `objectType`. */
  readonly coreObjectType: number
  /** Sampling frequency of the core decoder, in Hz. */
  readonly sampleRate: number
  /** Output rate with explicit SBR/PS signaling (object type 5 or 29); otherwise equal to `sampleRate`. */
  readonly outputSampleRate: number
  /** 0 means "defined in a program config element" (not parsed). */
  readonly channelConfiguration: number
  /** Channel count implied by `channelConfiguration` (0 when it is 0). */
  readonly channels: number
}

/** samplingFrequencyIndex → Hz (13 and 14 are reserved; 15 means a 24-bit explicit value follows). */
export const AAC_SAMPLE_RATES: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
]

// channelConfiguration → channel count (ISO/IEC 14496-3 table 1.19, with the 23003-3 additions)
const CHANNELS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0]

/**
 * Parses an AudioSpecificConfig: pass the audio payload after its 2-byte header
 * (`data.subarray(audioInfo(data).payloadOffset)`). Only the leading fields are read; the GASpecificConfig
 * and later extensions are not.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'aac-config': truncated, object type 0, reserved
 * sampling frequency index, or a zero explicit frequency.
 */
export function parseAacConfig(bytes: Uint8Array): AacConfig {
  const b = new BitReader(bytes, 'aac-config', 'AudioSpecificConfig')
  const objectType = readObjectType(b)
  if (objectType === 0) throw new FlvError('aac-config', 'AudioSpecificConfig: audio object type 0 (null)', 0)
  const sampleRate = readFrequency(b)
  const channelConfiguration = b.bits(4)
  let outputSampleRate = sampleRate
  let coreObjectType = objectType
  if (objectType === 5 || objectType === 29) {
    // explicit hierarchical SBR/PS signaling: extension rate, then the core object type
    outputSampleRate = readFrequency(b)
    coreObjectType = readObjectType(b)
    if (coreObjectType === 0) throw b.fail('core audio object type 0 (null)')
  }
  const channels = CHANNELS[channelConfiguration] ?? 0
  return { objectType, coreObjectType, sampleRate, outputSampleRate, channelConfiguration, channels }
}

function readObjectType(b: BitReader): number {
  const t = b.bits(5)
  return t === 31 ? 32 + b.bits(6) : t
}

function readFrequency(b: BitReader): number {
  const index = b.bits(4)
  if (index === 15) {
    const hz = b.bits(24)
    if (hz === 0) throw b.fail('explicit sampling frequency 0')
    return hz
  }
  const hz = AAC_SAMPLE_RATES[index]
  if (hz === undefined) throw b.fail(`reserved sampling frequency index ${index}`)
  return hz
}
