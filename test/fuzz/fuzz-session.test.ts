import { describe } from 'vitest'
import { fuzzQuickly } from './quick'
import { clientSessionTarget } from './targets-client'
import { sessionTarget } from './targets-session'

describe('fuzz (bounded pass): whole sessions', () => {
  fuzzQuickly(sessionTarget)
  fuzzQuickly(clientSessionTarget)
})
