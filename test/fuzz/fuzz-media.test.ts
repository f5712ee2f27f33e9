import { describe } from 'vitest'
import { fuzzQuickly } from './quick'
import { aacConfigTarget, avcConfigTarget, flvTagTarget, flvTarget } from './targets-media'

describe('fuzz (bounded pass): FLV and codec configuration parsers', () => {
  fuzzQuickly(flvTarget)
  fuzzQuickly(flvTagTarget)
  fuzzQuickly(avcConfigTarget)
  fuzzQuickly(aacConfigTarget)
})
