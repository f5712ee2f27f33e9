import { describe, expect, it } from 'vitest'
import { expandRecordingPath, numberedPath, safeSegment } from '../../src/record/recording-path'

const info = { app: 'live', name: 'cam1', startedAt: new Date(Date.UTC(2026, 0, 5, 7, 8, 9, 45)), index: 3 }

describe('recording file names', () => {
  it('expands every token (UTC)', () => {
    expect(expandRecordingPath('{app}/{name}-{date}-{time}.{ms}-{n}.flv', info)).toBe('live/cam1-2026-01-05-070809.045-3.flv')
    expect(expandRecordingPath('{timestamp}.flv', info)).toBe(`${info.startedAt.getTime()}.flv`)
  })

  it('leaves unknown tokens as they are', () => {
    expect(expandRecordingPath('{name}-{nope}.flv', info)).toBe('cam1-{nope}.flv')
  })

  it('never lets a peer-chosen app or name leave the directory', () => {
    expect(expandRecordingPath('{app}/{name}.flv', { ...info, app: '../..', name: '../../etc/passwd' })).toBe('___../___.._etc_passwd.flv')
    expect(safeSegment('')).toBe('_')
    expect(safeSegment('.hidden')).toBe('_hidden')
    expect(safeSegment('a b?c=d&e')).toBe('a_b_c_d_e')
    expect(safeSegment('ok.name-1_2')).toBe('ok.name-1_2')
  })

  it('numbers a name that is taken', () => {
    expect(numberedPath('/rec/a.flv', 2)).toBe('/rec/a-2.flv')
    expect(numberedPath('/rec.d/a', 3)).toBe('/rec.d/a-3')
    expect(numberedPath('/rec/.flv', 2)).toBe('/rec/.flv-2')
  })
})
