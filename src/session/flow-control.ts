/**
 * Byte counting for Acknowledgement messages (RTMP 1.0 §5.4.3): the peer's Window Acknowledgement Size says how
 * many bytes we may receive before we must acknowledge. Sequence numbers are the total received, modulo 2^32.
 */
export class FlowControl {
  private received = 0
  private lastAcked = 0
  /** Window the peer asked us to acknowledge at (0 = peer has not asked). */
  peerWindow = 0
  /** Window we last announced to the peer. */
  ownWindow = 0
  /** Last Acknowledgement the peer sent us. */
  peerAcknowledged = 0

  /** Counts `n` received bytes; returns the sequence number to acknowledge, or undefined if none is due yet. */
  onReceived(n: number): number | undefined {
    this.received += n
    if (this.peerWindow > 0 && this.received - this.lastAcked >= this.peerWindow) {
      this.lastAcked = this.received
      return this.received % 0x1_0000_0000
    }
    return undefined
  }

  get totalReceived(): number {
    return this.received
  }
}
