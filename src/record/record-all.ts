import { EventEmitter } from 'node:events'
import type { RtmpError } from '../errors'
import type { LiveRouter } from '../live/live-router'
import type { LiveSink } from '../live/live-sink'
import { FlvRecorder, type FlvRecorderOptions, type RecordedFile } from './flv-recorder'
import { RecordingError } from './recording-error'

export interface RecordAllOptions extends Omit<FlvRecorderOptions, 'path' | 'dir' | 'app' | 'name' | 'autoStart'> {
  /** directory the recordings go to (created as needed) */
  dir: string
  /**
   * File name template under `dir` (see `expandRecordingPath`). Default `'{app}/{name}-{date}-{time}.flv'`
   * in mode 'new', `'{app}/{name}.flv'` in mode 'append'.
   */
  path?: FlvRecorderOptions['path']
  /** which streams to record (default: all) */
  filter?: (app: string, streamName: string) => boolean
}

export interface RecordAllEvents {
  /** a recorder was attached to a stream that started publishing */
  recorder: [FlvRecorder, app: string, streamName: string]
  fileOpen: [path: string]
  fileClose: [RecordedFile]
  recordingError: [RtmpError]
}

interface Entry {
  readonly recorder: FlvRecorder
  unsubscribe(): void
}

/**
 * Records every stream published on a live router to a directory, one `FlvRecorder` per stream, until
 * `stop()`, through the router's `onPublish` hook. Recorders are subscribers: they count in `router.list()`.
 */
export class RecordAll extends EventEmitter<RecordAllEvents> {
  private readonly entries = new Map<string, Entry>()
  private readonly removeHooks: () => void
  private stopped = false

  constructor(
    private readonly router: LiveRouter,
    private readonly options: RecordAllOptions,
  ) {
    super()
    this.removeHooks = router.addHooks({ onPublish: (app, streamName) => this.attach(app, streamName) })
    // streams already live are recorded from their next keyframe (or the cached GOP)
    for (const info of router.list()) {
      if (!info.publishing) continue
      const slash = info.key.lastIndexOf('/')
      this.attach(info.key.slice(0, slash), info.key.slice(slash + 1))
    }
  }

  /** The recorders at work, by stream key (`app/name`). */
  get recorders(): ReadonlyMap<string, FlvRecorder> {
    return new Map([...this.entries].map(([k, e]) => [k, e.recorder]))
  }

  /** Stops recording: every file is finished, recorders leave their streams. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.removeHooks()
    const entries = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(entries.map(async (e) => {
      e.unsubscribe()
      await e.recorder.close()
    }))
  }

  private attach(app: string, streamName: string): void {
    if (this.stopped) return
    const key = `${app}/${streamName}`
    // a publisher taking over within the router's grace period: the recorder there already follows it
    if (this.entries.has(key)) return
    if (this.options.filter && !this.options.filter(app, streamName)) return
    const { dir, path, filter: _filter, ...rest } = this.options
    const mode = rest.mode ?? 'new'
    const recorder = new FlvRecorder({
      ...rest,
      dir,
      app,
      name: streamName,
      path: path ?? (mode === 'append' ? '{app}/{name}.flv' : '{app}/{name}-{date}-{time}.flv'),
    })
    recorder.on('fileOpen', (p) => this.emit('fileOpen', p))
    recorder.on('fileClose', (f) => this.emit('fileClose', f))
    recorder.on('recordingError', (e) => this.emit('recordingError', e))
    let subscribed = true
    const release = (): void => {
      if (!subscribed) return
      subscribed = false
      if (this.entries.get(key)?.recorder === recorder) this.entries.delete(key)
      // leave after the router finished telling its subscribers
      queueMicrotask(() => subscription.unsubscribe())
      void recorder.close()
    }
    const sink: LiveSink = {
      write: (m) => recorder.write(m),
      ownsQueue: true,
      multitrack: true,
      get bufferedBytes() {
        return recorder.bufferedBytes
      },
      publishStarted: (k) => recorder.publishStarted(k),
      publishEnded: () => {
        recorder.publishEnded()
        release()
      },
      abort: (err) => {
        recorder.abort(err)
        release()
      },
    }
    const subscription = this.router.subscribe(app, streamName, sink)
    this.entries.set(key, { recorder, unsubscribe: () => subscription.unsubscribe() })
    this.emit('recorder', recorder, app, streamName)
  }
}

/**
 * Records every stream published on `router` (or `server.live`) under `options.dir` until `stop()`:
 * `const rec = recordAll(server, { dir: './recordings' })`.
 * @throws RecordingError RTMP_ERR_INVALID_STATE for a server without a live router
 */
export function recordAll(target: LiveRouter | { readonly live: LiveRouter | undefined }, options: RecordAllOptions): RecordAll {
  const router = 'live' in target ? target.live : target
  if (!router) throw new RecordingError('RTMP_ERR_INVALID_STATE', 'recordAll: this server has no live router (createServer({ live: false }))')
  return new RecordAll(router, options)
}
