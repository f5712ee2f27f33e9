import { describe, expect, it } from 'vitest'
import { UrlError } from '../../src/errors'
import { reconnectTarget } from '../../src/transport/reconnect-target'

const current = { url: 'rtmp://user:pw@a.example:1935/live/cam1?key=1', tcUrl: 'rtmp://a.example:1935/live' }

describe('reconnectTarget', () => {
  it('goes back to the URL the client connected to when the request has no tcUrl', () => {
    expect(reconnectTarget(current, undefined)).toEqual({ url: current.url, tcUrl: current.tcUrl, app: undefined })
  })

  it('takes an absolute tcUrl, the whole path being the app', () => {
    expect(reconnectTarget(current, 'rtmp://foo.mydomain.com:1935/realtimeapp')).toEqual({
      url: 'rtmp://foo.mydomain.com:1935/realtimeapp',
      tcUrl: 'rtmp://foo.mydomain.com:1935/realtimeapp',
      app: 'realtimeapp',
    })
    expect(reconnectTarget(current, 'rtmps://b.example/vod/instance1?x=1').app).toBe('vod/instance1?x=1')
  })

  it('resolves the spec example references relative to the current tcUrl', () => {
    expect(reconnectTarget(current, '//192.0.2.0/realtimeapp').tcUrl).toBe('rtmp://192.0.2.0/realtimeapp')
    expect(reconnectTarget(current, '/realtimeapp').tcUrl).toBe('rtmp://a.example:1935/realtimeapp')
  })

  it('refuses a tcUrl that is not rtmp(s)://host/app', () => {
    expect(() => reconnectTarget(current, 'http://b.example/live')).toThrow(UrlError)
    expect(() => reconnectTarget(current, 'rtmp://b.example')).toThrow(UrlError)
  })
})
