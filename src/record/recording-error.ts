import { RtmpError, type RtmpErrorCode } from '../errors'

/**
 * A recording went wrong. `RTMP_ERR_IO`: the file could not be opened, written or finished (the fs error is
 * the `cause`); the recording of that file stops. `RTMP_ERR_SLOW_CONSUMER`: the disk did not keep up and
 * more than the queue limit was waiting, so frames are being dropped until the next keyframe.
 */
export class RecordingError extends RtmpError {
  override name = 'RecordingError'
  /** the file concerned, when there is one */
  readonly path: string | undefined

  constructor(code: RtmpErrorCode, message: string, path?: string, options?: ErrorOptions) {
    super(code, message, options)
    this.path = path
  }
}
