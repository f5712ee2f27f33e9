/** What a recording's file name may be made of. */
export interface RecordingFileInfo {
  readonly app: string
  readonly name: string
  /** when the file is started */
  readonly startedAt: Date
  /** 1 for a recorder's first file, then 2, 3, … */
  readonly index: number
}

/**
 * Expands a file name template: `{app}`, `{name}`, `{date}` (YYYY-MM-DD), `{time}` (HHMMSS), `{ms}`
 * (milliseconds, 3 digits), `{timestamp}` (ms since the epoch) and `{n}` (the file's index). Dates are UTC.
 * `{app}` and `{name}` come from the peer: anything but letters, digits, `-`, `_` and inner dots becomes
 * `_`, so they can never climb out of the directory or name a hidden file. Pure.
 */
export function expandRecordingPath(template: string, info: RecordingFileInfo): string {
  const d = info.startedAt
  const two = (n: number): string => String(n).padStart(2, '0')
  const values: Record<string, string> = {
    app: safeSegment(info.app),
    name: safeSegment(info.name),
    date: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
    time: `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`,
    ms: String(d.getUTCMilliseconds()).padStart(3, '0'),
    timestamp: String(d.getTime()),
    n: String(info.index),
  }
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
}

/** One path segment that is safe to put in a file name. */
export function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length))
  return cleaned === '' ? '_' : cleaned
}

/** `file.flv` → `file-2.flv`: the name tried when `file.flv` exists already. */
export function numberedPath(path: string, n: number): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  const dot = path.lastIndexOf('.')
  return dot > slash + 1 ? `${path.slice(0, dot)}-${n}${path.slice(dot)}` : `${path}-${n}`
}
