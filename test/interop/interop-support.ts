import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import type { FlvTag } from '../../src/media/flv-reader'
import { readFlvFile } from '../../src/media/flv-reader'
import { isKeyframe, isSequenceHeader } from '../../src/media/flv-tag'
import type { MediaMessage } from '../../src/media/media-message'
import { TagPacer } from '../../src/media/tag-pacer'
import type { ClientPublishStream } from '../../src/transport/client-streams'

export const mediaType = (t: FlvTag['type']): MediaMessage['type'] => (t === 8 ? 'audio' : t === 9 ? 'video' : 'data')

export function readTags(file: string): FlvTag[] {
  const flv = readFlvFile(new Uint8Array(readFileSync(file)))
  if (flv.error) throw flv.error
  return flv.tags
}

/** Publishes FLV tags through our client, optionally shifting timestamps and pacing in real time. */
export async function publishTags(pub: ClientPublishStream, tags: readonly FlvTag[], options: { offset?: number; realtime?: boolean } = {}): Promise<void> {
  const pacer = new TagPacer()
  for (const tag of tags) {
    const timestamp = (tag.timestamp + (options.offset ?? 0)) >>> 0
    if (options.realtime) {
      const wait = pacer.delay(timestamp, performance.now())
      if (wait > 0) await sleep(wait)
    }
    await pub.write({ type: mediaType(tag.type), timestamp, data: tag.data })
  }
}

/**
 * What a player that joined before the publisher receives from our live router: the data messages and
 * sequence headers, then everything from the first keyframe on.
 */
export function expectedForEarlyPlayer(tags: readonly FlvTag[]): Array<{ type: MediaMessage['type']; timestamp: number; data: Uint8Array }> {
  const firstKey = tags.findIndex((t) => t.type === 9 && isKeyframe(t.data))
  return tags
    .filter((t, i) => i >= firstKey || t.type === 18 || isSequenceHeader(mediaType(t.type), t.data))
    .map((t) => ({ type: mediaType(t.type), timestamp: t.timestamp, data: t.data }))
}
