import { open, type FileHandle } from 'node:fs/promises'
import { FlvError } from '../media/flv-error'
import { FlvIndexScanner, type FlvIndex, type FlvIndexOptions } from './flv-index'
import { VodError } from './vod-error'

/** A tag read back from the file. `data` is the body (the RTMP message payload). */
export interface SourceTag {
  readonly index: number
  readonly type: 8 | 9 | 18
  readonly timestamp: number
  readonly data: Uint8Array
}

export interface FlvFileSourceOptions {
  /** an index built before (e.g. cached by the application for a popular file) */
  index?: FlvIndex
  indexOptions?: FlvIndexOptions
  /** bytes read at once while indexing (default 64 KiB) */
  scanBlockSize?: number
}

/**
 * An FLV file opened for playing: its index and positional reads of runs of tags. The I/O half of VOD (the
 * index and the seek logic are pure, in `flv-index.ts`).
 */
export class FlvFileSource {
  private closed = false

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly index: FlvIndex,
  ) {}

  /**
   * Opens and indexes `path`.
   * @throws VodError RTMP_ERR_IO when it cannot be opened or read; FlvError RTMP_ERR_FLV_MALFORMED when it is not FLV
   */
  static async open(path: string, options: FlvFileSourceOptions = {}): Promise<FlvFileSource> {
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch (err) {
      throw ioError(`cannot open ${path}`, path, err)
    }
    try {
      const index = options.index ?? (await scan(handle, path, options))
      return new FlvFileSource(path, handle, index)
    } catch (err) {
      await handle.close().catch(() => undefined)
      throw err
    }
  }

  /**
   * Reads tags from `from` on, as many as fit in `maxBytes` (at least one), in one read.
   * @throws VodError RTMP_ERR_IO
   */
  async readTags(from: number, maxBytes: number): Promise<SourceTag[]> {
    const index = this.index
    if (from >= index.length) return []
    const start = index.offset(from)
    let to = from + 1
    while (to < index.length && index.offset(to) + 11 + index.size(to) - start <= maxBytes) to++
    const last = to - 1
    const bytes = await this.read(start, index.offset(last) + 11 + index.size(last) - start)
    const tags: SourceTag[] = []
    for (let i = from; i < to; i++) {
      const body = index.offset(i) + 11 - start
      const data = bytes.subarray(body, body + index.size(i))
      if (data.length < index.size(i)) throw new VodError('RTMP_ERR_IO', `${this.path} changed while playing (tag ${i} is cut short)`, this.path)
      tags.push({ index: i, type: index.type(i), timestamp: index.timestamp(i), data })
    }
    return tags
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.handle.close().catch(() => undefined)
  }

  private async read(position: number, length: number): Promise<Uint8Array> {
    try {
      return await readAt(this.handle, position, length)
    } catch (err) {
      throw ioError(`reading ${this.path} failed`, this.path, err)
    }
  }
}

/**
 * Indexes an FLV file (to cache and pass as `index` to later plays of the same file).
 * @throws VodError RTMP_ERR_IO; FlvError RTMP_ERR_FLV_MALFORMED
 */
export async function indexFlvFile(path: string, options: Omit<FlvFileSourceOptions, 'index'> = {}): Promise<FlvIndex> {
  const source = await FlvFileSource.open(path, options)
  await source.close()
  return source.index
}

async function scan(handle: FileHandle, path: string, options: FlvFileSourceOptions): Promise<FlvIndex> {
  let size: number
  try {
    size = (await handle.stat()).size
  } catch (err) {
    throw ioError(`cannot stat ${path}`, path, err)
  }
  const block = options.scanBlockSize ?? 64 * 1024
  const scanner = new FlvIndexScanner(size, options.indexOptions)
  for (let want = scanner.want; want; want = scanner.want) {
    let bytes: Uint8Array
    try {
      bytes = await readAt(handle, want.offset, Math.min(Math.max(want.length, block), size - want.offset))
    } catch (err) {
      throw ioError(`reading ${path} failed`, path, err)
    }
    if (bytes.length < want.length) scanner.endOfFile()
    else scanner.feed(want.offset, bytes)
  }
  try {
    return scanner.finish()
  } catch (err) {
    if (err instanceof FlvError) throw err
    throw ioError(`indexing ${path} failed`, path, err)
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(Math.max(0, length))
  let filled = 0
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

function ioError(what: string, path: string, err: unknown): VodError {
  const message = err instanceof Error ? err.message : String(err)
  return new VodError('RTMP_ERR_IO', `${what}: ${message}`, path, { cause: err })
}
