import { describe } from 'vitest'
import { fuzzQuickly } from './quick'
import { enhancedTarget } from './targets-enhanced'

describe('fuzz (bounded pass): Enhanced RTMP headers and codec configuration records', () => {
  fuzzQuickly(enhancedTarget)
})
