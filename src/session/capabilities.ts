import { isAmfObject, type AmfObject, type AmfValue } from '../amf/amf-value'

/** Enhanced RTMP v2 `capsEx` bits (connect command object and connect `_result` properties). */
export const CapsEx = {
  Reconnect: 0x01,
  Multitrack: 0x02,
  ModEx: 0x04,
  TimestampNanoOffset: 0x08,
} as const

/** Enhanced RTMP v2 FourCcInfoMask bits: values of `videoFourCcInfoMap` / `audioFourCcInfoMap`. */
export const FourCcInfo = {
  CanDecode: 0x01,
  CanEncode: 0x02,
  CanForward: 0x04,
} as const

/**
 * What one side of a connection says it supports (Enhanced RTMP v1 `fourCcList`, v2 `videoFourCcInfoMap`,
 * `audioFourCcInfoMap`, `capsEx`). A legacy peer sends none of them: every field is then empty and false.
 */
export interface Capabilities {
  /** v1: FourCCs the peer can handle (`'*'` = any) */
  readonly fourCcList: readonly string[]
  /** v2: FourCC (or `'*'`) → FourCcInfo bits */
  readonly videoFourCcInfoMap: Readonly<Record<string, number>>
  readonly audioFourCcInfoMap: Readonly<Record<string, number>>
  /** v2: CapsEx bits (0 when absent) */
  readonly capsEx: number
  /** true when any of the four fields was present */
  readonly enhanced: boolean
  readonly reconnect: boolean
  readonly multitrack: boolean
  readonly modEx: boolean
  readonly timestampNanoOffset: boolean
}

/** What to announce; omitted fields are not sent. */
export interface CapabilitiesInit {
  fourCcList?: readonly string[]
  videoFourCcInfoMap?: Readonly<Record<string, number>>
  audioFourCcInfoMap?: Readonly<Record<string, number>>
  capsEx?: number
}

const MAX_FOURCCS = 64

function fourCcNames(value: AmfValue | undefined): string[] {
  if (!Array.isArray(value)) return []
  const out: string[] = []
  for (const v of value) {
    if (typeof v === 'string' && v.length <= 4 && out.length < MAX_FOURCCS) out.push(v)
  }
  return out
}

function fourCcMap(value: AmfValue | undefined): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>
  if (!isAmfObject(value)) return out
  let n = 0
  for (const [k, v] of Object.entries(value)) {
    if (k.length > 4 || typeof v !== 'number' || !Number.isFinite(v)) continue
    if (++n > MAX_FOURCCS) break
    out[k] = v >>> 0
  }
  return out
}

/** Reads the Enhanced RTMP fields of a connect command object or connect `_result` properties. Never throws. */
export function readCapabilities(obj: AmfObject | undefined): Capabilities {
  const o = obj ?? {}
  const rawCaps = o['capsEx']
  const capsEx = typeof rawCaps === 'number' && Number.isFinite(rawCaps) ? rawCaps >>> 0 : 0
  const enhanced = ['fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx'].some((k) => o[k] !== undefined)
  return {
    fourCcList: fourCcNames(o['fourCcList']),
    videoFourCcInfoMap: fourCcMap(o['videoFourCcInfoMap']),
    audioFourCcInfoMap: fourCcMap(o['audioFourCcInfoMap']),
    capsEx,
    enhanced,
    reconnect: (capsEx & CapsEx.Reconnect) !== 0,
    multitrack: (capsEx & CapsEx.Multitrack) !== 0,
    modEx: (capsEx & CapsEx.ModEx) !== 0,
    timestampNanoOffset: (capsEx & CapsEx.TimestampNanoOffset) !== 0,
  }
}

/** The AMF members that announce `init` (to merge into a connect command object or `_result` properties). */
export function capabilityMembers(init: CapabilitiesInit): AmfObject {
  const out: AmfObject = {}
  if (init.fourCcList) out['fourCcList'] = [...init.fourCcList]
  if (init.videoFourCcInfoMap) out['videoFourCcInfoMap'] = { ...init.videoFourCcInfoMap }
  if (init.audioFourCcInfoMap) out['audioFourCcInfoMap'] = { ...init.audioFourCcInfoMap }
  if (init.capsEx !== undefined) out['capsEx'] = init.capsEx
  return out
}

/** The legacy-peer value: nothing announced. */
export const NO_CAPABILITIES: Capabilities = readCapabilities(undefined)

/** Video FourCCs whose payloads rtmp-kit recognizes and routes (see media/flv-tag). */
const ROUTED_VIDEO = ['avc1', 'hvc1', 'vp09', 'av01'] as const
/** Audio FourCCs whose payloads rtmp-kit recognizes and routes. */
const ROUTED_AUDIO = ['Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a'] as const

const forwardAll = (fourCcs: readonly string[]): Record<string, number> => Object.fromEntries(fourCcs.map((f) => [f, FourCcInfo.CanForward]))

/**
 * What rtmp-kit announces by default, as a client (connect) and as a server (connect `_result`): every FourCC
 * it routes, as CanForward only (the library moves payloads, it never decodes or encodes them), and all four
 * CapsEx bits (it follows reconnect requests, routes Multitrack and ModEx payloads, keeps nano offsets).
 */
export const DEFAULT_CAPABILITIES: Readonly<Required<CapabilitiesInit>> = Object.freeze({
  fourCcList: Object.freeze([...ROUTED_VIDEO, ...ROUTED_AUDIO]),
  videoFourCcInfoMap: Object.freeze(forwardAll(ROUTED_VIDEO)),
  audioFourCcInfoMap: Object.freeze(forwardAll(ROUTED_AUDIO)),
  capsEx: CapsEx.Reconnect | CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset,
})

/** The capsEx bits an `announce` option sends: the defaults' when undefined, none when false. */
export function announcedCapsEx(announce: CapabilitiesInit | false | undefined): number {
  if (announce === false) return 0
  return (announce ?? DEFAULT_CAPABILITIES).capsEx ?? 0
}

/** The members an `announce` option asks for: the defaults when undefined, none when false. */
export function announcedMembers(announce: CapabilitiesInit | false | undefined): AmfObject {
  if (announce === false) return {}
  return capabilityMembers(announce ?? DEFAULT_CAPABILITIES)
}
