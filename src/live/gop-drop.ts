/**
 * The drop state of one consumer that falls behind (a player, a relay destination). Once a frame that depends
 * on others has to go, every video frame after it goes too, up to the next keyframe: no frame is ever
 * delivered whose reference was dropped. A GOP may lose its tail, never its middle. Pure: the owner says
 * whether the consumer is congested; this decides frame by frame.
 */
export class GopDrop {
  private active = false
  private count = 0

  /** true from a dropped frame up to the next keyframe */
  get dropping(): boolean {
    return this.active
  }

  /** video frames dropped so far */
  get dropped(): number {
    return this.count
  }

  /**
   * Decides for one video frame: true to deliver it, false to drop it. A keyframe always passes and ends a
   * drop; a frame that depends on earlier ones is dropped while `congested`, then up to the next keyframe.
   */
  pass(keyframe: boolean, congested: boolean): boolean {
    if (keyframe) {
      this.active = false
      return true
    }
    if (!this.active && !congested) return true
    this.active = true
    this.count++
    return false
  }

  /** The consumer starts over (at a keyframe): no GOP left to finish dropping. The count stays. */
  reset(): void {
    this.active = false
  }
}
