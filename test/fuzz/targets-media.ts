import { AmfError } from '../../src/errors'
import { parseAacConfig } from '../../src/media/aac-config'
import { parseAvcConfig, parseSps } from '../../src/media/avc-config'
import { FlvError } from '../../src/media/flv-error'
import { FlvReader, decodeScriptData, readFlvFile, type FlvReaderOptions, type FlvTag } from '../../src/media/flv-reader'
import { audioInfo, isKeyframe, isSequenceHeader, videoInfo } from '../../src/media/flv-tag'
import type { Rng } from '../helpers/rng'
import { aacConfig, audioPayload, avcConfig, flvFile, randomSps, videoPayload } from './gen-media'
import { randomPieces } from './mutate'
import { errorKey, fail, isAllowed, sameRun, total, untyped, type Run } from './oracle'
import { proportional, type FuzzTarget } from './target'
import { digest } from './transcript'

/** Feeds `pieces` then end(); after a failure the reader must throw the same error again. */
function runFlv(pieces: readonly Uint8Array[], options: FlvReaderOptions): Run & { tags: FlvTag[] } {
  const reader = new FlvReader(options)
  const tags: FlvTag[] = []
  const transcript: string[] = []
  const onTag = (t: FlvTag): void => {
    tags.push(t)
    transcript.push(`${t.type} ${t.timestamp} ${t.streamId} ${digest(t.data)}`)
  }
  try {
    for (const p of pieces) reader.push(p, onTag)
    reader.end()
  } catch (error) {
    try {
      reader.end()
    } catch (again) {
      if (again !== error) fail(`after ${errorKey(error)} end() threw ${errorKey(again)} instead of the same error`)
      return { transcript, failed: true, error, tags }
    }
    return fail(`after ${errorKey(error)} the reader ended cleanly`)
  }
  return { transcript, failed: false, error: undefined, tags }
}

function readerOptions(rng: Rng): FlvReaderOptions {
  switch (rng.int(0, 4)) {
    case 0: return { maxTagSize: rng.pick([0, 1, 100, 2000]) }
    case 1: return { skipUnknownTags: true }
    case 2: return { checkPreviousTagSize: false }
    default: return {}
  }
}

/**
 * What a server does with a payload it forwards: classify it (must never throw), and parse the codec
 * configuration of a sequence header (FlvError only) or the script data (AmfError only).
 */
export function inspectPayload(type: number, data: Uint8Array): void {
  if (type === 9) {
    const info = total(() => videoInfo(data), 'videoInfo')
    total(() => isKeyframe(data), 'isKeyframe')
    const seq = total(() => isSequenceHeader('video', data), 'isSequenceHeader')
    if (info && (info.payloadOffset < 0 || info.payloadOffset > data.length)) fail(`videoInfo payloadOffset ${info.payloadOffset} outside a ${data.length}-byte payload`)
    if (seq !== (info?.isSequenceHeader ?? false)) fail('isSequenceHeader disagrees with videoInfo')
    if (info?.isSequenceHeader && info.codec === 'avc') expectOnly(() => parseAvcConfig(data.subarray(info.payloadOffset)), [FlvError], 'parseAvcConfig')
  } else if (type === 8) {
    const info = total(() => audioInfo(data), 'audioInfo')
    total(() => isSequenceHeader('audio', data), 'isSequenceHeader')
    if (info && (info.payloadOffset < 0 || info.payloadOffset > data.length)) fail(`audioInfo payloadOffset ${info.payloadOffset} outside a ${data.length}-byte payload`)
    if (info?.isSequenceHeader && info.codec === 'aac' && !info.enhanced) expectOnly(() => parseAacConfig(data.subarray(info.payloadOffset)), [FlvError], 'parseAacConfig')
  } else if (type === 18) {
    expectOnly(() => decodeScriptData(data), [AmfError], 'decodeScriptData')
  }
}

function expectOnly(fn: () => unknown, allowed: Parameters<typeof isAllowed>[1], where: string): void {
  try {
    fn()
  } catch (err) {
    if (!isAllowed(err, allowed)) throw untyped(err, where)
  }
}

export const flvTarget: FuzzTarget = {
  name: 'flv',
  about: 'FlvReader.push/end whole and split (option variants): same tags, same sticky error; readFlvFile never throws; tags inspected',
  allowed: [FlvError],
  seeds: (rng) => Array.from({ length: 30 }, () => flvFile(rng)),
  generate: flvFile,
  tokens: [Uint8Array.of(0x46, 0x4c, 0x56, 0x01), Uint8Array.of(0x08), Uint8Array.of(0x09), Uint8Array.of(0x12), Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff)],
  check(input, rng) {
    const options = readerOptions(rng)
    const whole = runFlv([input], options)
    sameRun(whole, runFlv(randomPieces(input, rng), options), 'FlvReader')
    const file = total(() => readFlvFile(input, options), 'readFlvFile')
    if (file.tags.length !== whole.tags.length || (file.error !== undefined) !== whole.failed) fail('readFlvFile disagrees with FlvReader')
    for (const t of whole.tags) inspectPayload(t.type, t.data)
    if (whole.failed) throw whole.error
  },
  memoryBudget: proportional(8),
  quickCases: 2500,
}

export const flvTagTarget: FuzzTarget = {
  name: 'flv-tag',
  about: 'videoInfo/audioInfo/isKeyframe/isSequenceHeader on any payload never throw; configs of sequence headers throw FlvError only',
  allowed: [],
  seeds: (rng) => Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? videoPayload(rng) : audioPayload(rng))),
  generate: (rng) => (rng.bool() ? videoPayload(rng) : audioPayload(rng)),
  check(input) {
    inspectPayload(9, input)
    inspectPayload(8, input)
    total(() => isSequenceHeader('data', input), 'isSequenceHeader')
  },
  memoryBudget: proportional(8),
  quickCases: 8000,
}

export const avcConfigTarget: FuzzTarget = {
  name: 'avc-config',
  about: 'parseAvcConfig(record) / parseSps(nal): FlvError only; a parsed picture has a positive integer size',
  allowed: [FlvError],
  seeds: (rng) => [...Array.from({ length: 20 }, () => avcConfig(rng)), ...Array.from({ length: 20 }, () => ({ bytes: randomSps(rng) }))],
  generate: (rng) => (rng.next() < 0.6 ? avcConfig(rng) : { bytes: randomSps(rng) }),
  tokens: [Uint8Array.of(0x00, 0x00, 0x03), Uint8Array.of(0x00, 0x00, 0x00), Uint8Array.of(0x67), Uint8Array.of(0xff)],
  check(input) {
    const sps = input[0] !== undefined && (input[0] & 0x1f) === 7 ? parseSps(input) : parseAvcConfig(input).spsInfo
    for (const [k, v] of [['width', sps.width], ['height', sps.height]] as const) {
      if (!Number.isSafeInteger(v) || v <= 0) fail(`SPS ${k} ${v} is not a positive integer`)
    }
  },
  memoryBudget: proportional(8),
  quickCases: 6000,
}

export const aacConfigTarget: FuzzTarget = {
  name: 'aac-config',
  about: 'parseAacConfig(bytes): FlvError only; rates positive, channel count from the table',
  allowed: [FlvError],
  seeds: (rng) => Array.from({ length: 20 }, () => aacConfig(rng)),
  generate: aacConfig,
  check(input) {
    const c = parseAacConfig(input)
    if (!(c.sampleRate > 0) || !(c.outputSampleRate > 0)) fail(`sample rate ${c.sampleRate}/${c.outputSampleRate}`)
    if (!Number.isInteger(c.channels) || c.channels < 0) fail(`channels ${c.channels}`)
  },
  memoryBudget: proportional(8),
  quickCases: 6000,
}

