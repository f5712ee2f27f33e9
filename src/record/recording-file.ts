import type { WriteStream } from 'node:fs'
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { amfNumberBytes, findMetadataSlots, lastTag, readAmfNumber, u32, METADATA_PROBE_BYTES } from './flv-metadata'
import { numberedPath } from './recording-path'
import { RecordingError } from './recording-error'
import type { AppendPoint } from './recording-muxer'

/** 'new': a file of its own (never overwrites: `x.flv` exists → `x-2.flv`); 'append': continue the file if it is there. */
export type RecordingMode = 'new' | 'append'

const MAX_NUMBERED = 1000
/** the header onMetaData is read back to patch it; a larger first tag is left as it is */
const MAX_HEAD_BYTES = 1024 * 1024

/**
 * The I/O half of a recording: one FLV file on disk. Opens it (exclusively for 'new'; after its last
 * complete tag for 'append'), takes byte chunks in order through a write stream, and when finished patches
 * the header onMetaData's `duration` and `filesize` with positional writes, as ffmpeg does.
 */
export class RecordingFile {
  private readonly stream: WriteStream
  private written = 0
  private failure: RecordingError | undefined

  private constructor(
    readonly path: string,
    handle: FileHandle,
    /** set when appending after existing media */
    readonly appendPoint: AppendPoint | undefined,
    private readonly startOffset: number,
    onError: (error: RecordingError) => void,
  ) {
    // the stream owns the handle from here (closing it on end); the header is patched through a new one
    this.stream = handle.createWriteStream({ start: startOffset })
    this.stream.on('error', (err) => {
      if (this.failure) return
      this.failure = new RecordingError('RTMP_ERR_IO', `writing ${path} failed: ${err.message}`, path, { cause: err })
      onError(this.failure)
    })
  }

  /**
   * Opens `path` (creating its directory). 'append' continues an FLV file that ends with a complete tag; a
   * file that does not (e.g. cut short by a crash) is left alone and a numbered sibling is created instead.
   * @throws RecordingError RTMP_ERR_IO
   */
  static async open(path: string, mode: RecordingMode, onError: (error: RecordingError) => void): Promise<RecordingFile> {
    try {
      await mkdir(dirname(path), { recursive: true })
      let first = 0
      if (mode === 'append') {
        const appended = await openForAppend(path)
        if (appended === 'unusable') first = 1
        else if (appended !== 'missing') return new RecordingFile(path, appended.handle, appended.point, appended.size, onError)
      }
      const fresh = await createExclusive(path, first)
      return new RecordingFile(fresh.path, fresh.handle, undefined, 0, onError)
    } catch (err) {
      if (err instanceof RecordingError) throw err
      const e = err as NodeJS.ErrnoException
      throw new RecordingError('RTMP_ERR_IO', `cannot open ${path} for recording: ${e.message}`, path, { cause: err })
    }
  }

  /** Bytes taken and not yet on disk. */
  get bufferedBytes(): number {
    return this.stream.writableLength
  }

  /** The file's size once everything taken is written. */
  get size(): number {
    return this.startOffset + this.written
  }

  get failed(): boolean {
    return this.failure !== undefined
  }

  /** Appends chunks in order (ignored after a failure). */
  write(chunks: readonly Uint8Array[]): void {
    if (this.failure) return
    for (const c of chunks) {
      this.written += c.length
      this.stream.write(c)
    }
  }

  /**
   * Flushes, patches the header onMetaData (`durationMs` / 1000 and the file size) when `patch`, and
   * closes. A new file that received nothing is removed.
   * @throws RecordingError RTMP_ERR_IO
   */
  async finish(durationMs: number, patch: boolean): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.failure) return reject(this.failure)
        this.stream.once('error', reject)
        this.stream.once('close', () => resolve())
        this.stream.end()
      })
      if (patch && this.written > 0) await this.patchHeader(durationMs)
    } catch (err) {
      this.stream.destroy()
      throw err instanceof RecordingError ? err : new RecordingError('RTMP_ERR_IO', `finishing ${this.path} failed: ${String(err)}`, this.path, { cause: err })
    }
    if (this.size === 0) await unlink(this.path).catch(() => undefined)
  }

  /** Closes without patching after a failure; never throws. */
  abandon(): void {
    this.stream.destroy()
  }

  private async patchHeader(durationMs: number): Promise<void> {
    const handle = await open(this.path, 'r+')
    try {
      const slots = await readMetadataSlots(handle, this.size)
      if (slots.duration !== undefined) await writeAt(handle, amfNumberBytes(durationMs / 1000), slots.duration)
      if (slots.filesize !== undefined) await writeAt(handle, amfNumberBytes(this.size), slots.filesize)
    } finally {
      await handle.close()
    }
  }
}

async function createExclusive(path: string, first: number): Promise<{ path: string; handle: FileHandle }> {
  for (let n = first; n < MAX_NUMBERED; n++) {
    const candidate = n === 0 ? path : numberedPath(path, n + 1)
    try {
      return { path: candidate, handle: await open(candidate, 'wx') }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  throw new RecordingError('RTMP_ERR_IO', `no free file name next to ${path} (tried ${MAX_NUMBERED})`, path)
}

interface Appendable {
  readonly handle: FileHandle
  readonly point: AppendPoint
  readonly size: number
}

/** The open file and where its media ends; 'missing' (absent or empty); 'unusable' when appending is unsafe. */
async function openForAppend(path: string): Promise<Appendable | 'missing' | 'unusable'> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r+')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw err
  }
  try {
    const size = (await handle.stat()).size
    if (size === 0) {
      // an empty file gets a header like a new one
      await handle.close()
      await unlink(path)
      return 'missing'
    }
    const last = size >= 13 + 15 ? await readLastTag(handle, size) : undefined
    if (!last) {
      await handle.close()
      return 'unusable'
    }
    const slots = await readMetadataSlots(handle, size)
    const declared = slots.duration !== undefined ? readAmfNumber(await readAt(handle, slots.duration, 8), 0) * 1000 : 0
    const endMs = Math.max(last.timestamp + 1, Number.isFinite(declared) ? Math.round(declared) : 0)
    return { handle, point: { endMs }, size }
  } catch (err) {
    await handle.close().catch(() => undefined)
    throw err
  }
}

async function readLastTag(handle: FileHandle, size: number): Promise<ReturnType<typeof lastTag>> {
  const previous = u32(await readAt(handle, size - 4, 4), 0)
  const start = size - 4 - previous
  if (previous < 11 || start < 13) return undefined
  return lastTag(previous, await readAt(handle, start, 11), size)
}

async function readMetadataSlots(handle: FileHandle, size: number): Promise<ReturnType<typeof findMetadataSlots>> {
  let length = Math.min(size, METADATA_PROBE_BYTES)
  for (let attempt = 0; attempt < 3; attempt++) {
    const slots = findMetadataSlots(await readAt(handle, 0, length))
    if (slots.need === undefined) return slots
    if (slots.need > size || slots.need > MAX_HEAD_BYTES) return {}
    length = slots.need
  }
  return {}
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length)
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  await handle.write(bytes, 0, bytes.length, position)
}
