import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { UrlError } from '../../src/errors'
import { redactUrl } from '../../src/transport/redact'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { parseRtmpUrl } from '../../src/transport/rtmp-url'

describe('redactUrl', () => {
  it.each([
    ['rtmp://bob:s3cret@host:1935/live/cam', 'rtmp://bob:***@host:1935/live/cam'],
    ['rtmp://host/live/cam?key=abc&token=x+y/z==', 'rtmp://host/live/cam?key=***&token=***'],
    [
      'rtmp://host/live?authmod=adobe&user=bob&challenge=1&response=LfSlMncEMU9X69UX+SviFA==&opaque=o',
      'rtmp://host/live?authmod=***&user=***&challenge=***&response=***&opaque=***',
    ],
    ['lost rtmps://u:p@h/app/s?key=k:v closed', 'lost rtmps://u:***@h/app/s?key=*** closed'],
    ['rtmp://bob@host/live/cam', 'rtmp://bob@host/live/cam'],
    ['cam1 fell behind', 'cam1 fell behind'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected)
  })
})

describe('error messages keep secrets out', () => {
  const secretUrls = ['rtmp://bob:s3cret@/live/cam?key=k3y', 'ftp://bob:s3cret@host/live/cam?key=k3y', 'rtmp://bob:s3cret@host/?key=k3y', 'rtmp://bob:s3cret@host:99999/live?key=k3y']
  it.each(secretUrls)('parseRtmpUrl(%s)', (url) => {
    let err: unknown
    try {
      parseRtmpUrl(url)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UrlError)
    // the whole error as a logger would print it, cause included
    const printed = inspect(err, { depth: 5 })
    expect(printed).not.toContain('s3cret')
    expect(printed).not.toContain('k3y')
  })

  it('RtmpClient.connect with no application', async () => {
    const err = await RtmpClient.connect('rtmp://bob:s3cret@host/?key=k3y').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UrlError)
    expect(inspect(err)).not.toMatch(/s3cret|k3y/)
  })
})
