import { describe } from 'vitest'
import { fuzzQuickly } from './quick'
import { aggregateTarget, chunkTarget, messageTarget } from './targets-chunk'
import { handshakeClientTarget, handshakeServerTarget } from './targets-handshake'

describe('fuzz (bounded pass): handshake, chunk and message decoders', () => {
  fuzzQuickly(handshakeServerTarget)
  fuzzQuickly(handshakeClientTarget)
  fuzzQuickly(chunkTarget)
  fuzzQuickly(messageTarget)
  fuzzQuickly(aggregateTarget)
})
