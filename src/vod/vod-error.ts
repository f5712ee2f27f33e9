import { RtmpError, type RtmpErrorCode } from '../errors'

/** A file could not be served: RTMP_ERR_IO (opened, read; the fs error is the `cause`). `path` names the file. */
export class VodError extends RtmpError {
  override name = 'VodError'
  readonly path: string

  constructor(code: RtmpErrorCode, message: string, path: string, options?: ErrorOptions) {
    super(code, message, options)
    this.path = path
  }
}
