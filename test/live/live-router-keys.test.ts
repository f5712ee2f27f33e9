import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { RecordingSink } from './live-harness'

// An application that authorizes by app must not be bypassed by moving a path segment into the stream name.
describe('LiveRouter stream keys', () => {
  it('app "live/secret" + name "cam" and app "live" + name "secret/cam" are different streams', () => {
    const router = new LiveRouter()
    const publisher = router.publish('live/secret', 'cam')
    expect(publisher).toBeDefined()
    const outsider = new RecordingSink()
    router.subscribe('live', 'secret/cam', outsider)
    publisher!.write({ type: 'video', timestamp: 0, data: new Uint8Array([0x17, 1, 0, 0, 0, 0xaa]) })
    expect(outsider.events.filter((e) => e.kind === 'video')).toEqual([])
    // and each may be published on its own
    expect(router.publish('live', 'secret/cam')).toBeDefined()
    expect(router.get('live/secret', 'cam')?.key).toBe('live/secret/cam')
    expect(LiveRouter.keyOf('live/secret', 'cam')).not.toBe(LiveRouter.keyOf('live', 'secret/cam'))
  })

  it('the same pair is the same stream', () => {
    const router = new LiveRouter()
    const publisher = router.publish('live', 'cam')
    const player = new RecordingSink()
    router.subscribe('live', 'cam', player)
    publisher!.write({ type: 'video', timestamp: 0, data: new Uint8Array([0x17, 1, 0, 0, 0, 0xaa]) })
    expect(player.events.filter((e) => e.kind === 'video')).toHaveLength(1)
    expect(router.publish('live', 'cam')).toBeUndefined()
  })
})
