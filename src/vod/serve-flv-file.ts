import { resolve, sep } from 'node:path'
import { RtmpError } from '../errors'
import { NetStreamCode } from '../message/status'
import type { PlayRequest } from '../transport/requests'
import { FlvFilePlayer, type FlvFilePlayerOptions } from './flv-file-player'
import { FlvFileSource, type FlvFileSourceOptions } from './flv-file-source'
import { VodError } from './vod-error'

export interface ServeFlvFileOptions extends FlvFilePlayerOptions, FlvFileSourceOptions {
  /** why the file could not be served (the play was rejected with NetStream.Play.StreamNotFound) */
  onError?: (error: RtmpError) => void
}

/**
 * Serves an FLV file to a play request: opens and indexes it, accepts the play and starts an
 * `FlvFilePlayer` (honouring the request's start and duration unless `options` say otherwise). When the file
 * cannot be read the play is rejected with NetStream.Play.StreamNotFound and this resolves to undefined (it
 * never rejects, so `void serveFlvFile(req, path)` is safe); `options.onError` learns why.
 */
export async function serveFlvFile(req: PlayRequest, path: string, options: ServeFlvFileOptions = {}): Promise<FlvFilePlayer | undefined> {
  let source: FlvFileSource
  try {
    source = await FlvFileSource.open(path, options)
  } catch (err) {
    const error = err instanceof RtmpError ? err : new VodError('RTMP_ERR_IO', `cannot serve ${path}: ${String(err)}`, path, { cause: err })
    // the description names the stream, never the server's path
    if (req.state === 'pending') req.reject(NetStreamCode.PlayStreamNotFound, `${req.streamName} not found`)
    options.onError?.(error)
    return undefined
  }
  if (req.state !== 'pending') {
    // answered meanwhile (e.g. the request timed out)
    await source.close()
    return undefined
  }
  const stream = req.accept()
  if (stream.closed) {
    await source.close()
    return undefined
  }
  const player = new FlvFilePlayer(source, stream, options)
  player.start()
  return player
}

/**
 * The file under `dir` a play name stands for, as nginx-rtmp maps them: `clip`, `clip.flv` and `flv:clip`
 * all name `dir/clip.flv` (ffmpeg strips `.flv` from `rtmp://host/vod/clip.flv`). Undefined for a name that
 * would leave `dir`.
 */
export function resolveFlvPath(dir: string, streamName: string): string | undefined {
  let name = streamName.startsWith('flv:') ? streamName.slice(4) : streamName
  if (name === '' || name.includes('\0')) return undefined
  if (!/\.flv$/i.test(name)) name += '.flv'
  const root = resolve(dir)
  const full = resolve(root, name)
  return full.startsWith(root + sep) ? full : undefined
}
