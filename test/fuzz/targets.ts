import { amf0Target, amf3Target } from './targets-amf'
import { aggregateTarget, chunkTarget, messageTarget } from './targets-chunk'
import { clientSessionTarget } from './targets-client'
import { handshakeClientTarget, handshakeServerTarget } from './targets-handshake'
import { enhancedTarget } from './targets-enhanced'
import { aacConfigTarget, avcConfigTarget, flvTagTarget, flvTarget } from './targets-media'
import { sessionTarget } from './targets-session'
import type { FuzzTarget } from './target'

/** Every fuzz target, by name (`npm run fuzz -- --target <name>`). */
export const TARGETS: readonly FuzzTarget[] = [
  amf0Target,
  amf3Target,
  handshakeServerTarget,
  handshakeClientTarget,
  chunkTarget,
  messageTarget,
  aggregateTarget,
  flvTarget,
  flvTagTarget,
  avcConfigTarget,
  aacConfigTarget,
  enhancedTarget,
  sessionTarget,
  clientSessionTarget,
]

export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name)
}
