import { describe } from 'vitest'
import { fuzzQuickly } from './quick'
import { amf0Target, amf3Target } from './targets-amf'

describe('fuzz (bounded pass): AMF decoders', () => {
  fuzzQuickly(amf0Target)
  fuzzQuickly(amf3Target)
})
