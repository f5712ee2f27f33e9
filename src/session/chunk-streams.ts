/** Chunk stream ids we send on (the ones nginx-rtmp and ffmpeg use, so captures look familiar). */
export const ChunkStream = {
  /** protocol control and user control messages (required by the spec) */
  Control: 2,
  /** NetConnection commands on message stream 0 */
  Command: 3,
  /** NetStream commands, onStatus and data messages */
  Stream: 5,
  Audio: 6,
  Video: 7,
} as const
