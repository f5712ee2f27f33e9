import { isAmfObject, type AmfObject, type AmfValue } from '../amf/amf-value'
import type { RtmpStatus } from '../errors'

/** NetConnection status codes (the `code` of `_result` / `_error` / `onStatus` info objects). */
export const NetConnectionCode = {
  ConnectSuccess: 'NetConnection.Connect.Success',
  ConnectRejected: 'NetConnection.Connect.Rejected',
  ConnectFailed: 'NetConnection.Connect.Failed',
  ConnectClosed: 'NetConnection.Connect.Closed',
  ConnectInvalidApp: 'NetConnection.Connect.InvalidApp',
  ConnectAppShutdown: 'NetConnection.Connect.AppShutdown',
  ConnectIdleTimeout: 'NetConnection.Connect.IdleTimeout',
  CallFailed: 'NetConnection.Call.Failed',
} as const
export type NetConnectionCodeValue = (typeof NetConnectionCode)[keyof typeof NetConnectionCode]

/** NetStream status codes (the `code` of `onStatus` info objects). */
export const NetStreamCode = {
  PublishStart: 'NetStream.Publish.Start',
  PublishBadName: 'NetStream.Publish.BadName',
  PublishIdle: 'NetStream.Publish.Idle',
  UnpublishSuccess: 'NetStream.Unpublish.Success',
  PlayStart: 'NetStream.Play.Start',
  PlayReset: 'NetStream.Play.Reset',
  PlayStop: 'NetStream.Play.Stop',
  PlayStreamNotFound: 'NetStream.Play.StreamNotFound',
  PlayFailed: 'NetStream.Play.Failed',
  PlayUnpublishNotify: 'NetStream.Play.UnpublishNotify',
  PlayPublishNotify: 'NetStream.Play.PublishNotify',
  PlayInsufficientBW: 'NetStream.Play.InsufficientBW',
  PlayComplete: 'NetStream.Play.Complete',
  PauseNotify: 'NetStream.Pause.Notify',
  UnpauseNotify: 'NetStream.Unpause.Notify',
  SeekNotify: 'NetStream.Seek.Notify',
  SeekFailed: 'NetStream.Seek.Failed',
  SeekInvalidTime: 'NetStream.Seek.InvalidTime',
  RecordStart: 'NetStream.Record.Start',
  RecordStop: 'NetStream.Record.Stop',
  RecordNoAccess: 'NetStream.Record.NoAccess',
  RecordFailed: 'NetStream.Record.Failed',
  BufferEmpty: 'NetStream.Buffer.Empty',
  BufferFull: 'NetStream.Buffer.Full',
  BufferFlush: 'NetStream.Buffer.Flush',
  DataStart: 'NetStream.Data.Start',
  Failed: 'NetStream.Failed',
} as const
export type NetStreamCodeValue = (typeof NetStreamCode)[keyof typeof NetStreamCode]

export type StatusLevel = 'status' | 'error' | 'warning'

/**
 * An info object for `onStatus` / `_result` / `_error`: `{ level, code, description, ...extra }`.
 * `extra` comes last (e.g. `{ details: name, clientid }` or `{ objectEncoding: 0 }`), so it may override.
 */
export function statusInfo(level: StatusLevel, code: string, description: string, extra?: AmfObject): AmfObject {
  return { level, code, description, ...extra }
}

/** Reads `{ level, code, description }` from a status object a peer sent, tolerating missing fields. */
export function readStatus(info: AmfValue, fallbackCode = 'unknown'): RtmpStatus {
  const o = isAmfObject(info) ? info : {}
  return {
    level: typeof o.level === 'string' ? o.level : 'error',
    code: typeof o.code === 'string' ? o.code : fallbackCode,
    description: typeof o.description === 'string' ? o.description : '',
  }
}
