import type { MediaMessage } from '../media/media-message'
import { isDefaultTrackSlot, type RoutedMessage } from './routed-message'

/** A header message and its single-track projection (see `RoutedMessage.plain`). */
interface HeaderEntry {
  readonly msg: MediaMessage
  readonly plain: MediaMessage | undefined
}

const RANK: Readonly<Record<MediaMessage['type'], number>> = { data: 0, video: 1, audio: 2 }

/**
 * What a late joiner needs before any frame, latest per slot (`kind:trackId:what`, see `RoutedMessage`):
 * onMetaData, each track's sequence header, HDR colorInfo and multichannel config.
 *
 * A message that sets several slots (a ManyTracks SequenceStart) is kept once. Replay goes metadata, video,
 * audio, and within a kind in arrival order: a header that a later one replaced for some of its tracks is
 * replayed first, so the later one still wins in the player, as it did for subscribers that were there.
 * Single-track sinks get the default-track projection of the headers that are still the default track's.
 */
export class StreamHeaders {
  /** re-inserted on every update, so iteration is arrival order */
  private readonly slots = new Map<string, HeaderEntry>()

  update(r: RoutedMessage): void {
    for (const slot of r.clears) this.slots.delete(slot)
    if (r.sets.length === 0) return
    const entry: HeaderEntry = { msg: r.msg, plain: r.plain }
    for (const slot of r.sets) {
      this.slots.delete(slot)
      this.slots.set(slot, entry)
    }
  }

  clear(): void {
    this.slots.clear()
  }

  /** The headers to send a new subscriber: as published (`allTracks`) or their default-track projections. */
  replay(allTracks: boolean): MediaMessage[] {
    const seen = new Set<HeaderEntry>()
    const out: MediaMessage[] = []
    for (const [slot, entry] of this.slots) {
      // a single-track sink gets a header only while it is still the default track's latest
      if (seen.has(entry) || (!allTracks && !isDefaultTrackSlot(slot))) continue
      seen.add(entry)
      const m = allTracks ? entry.msg : entry.plain
      if (m) out.push(m)
    }
    // stable: arrival order within each kind
    return out.sort((a, b) => RANK[a.type] - RANK[b.type])
  }
}
