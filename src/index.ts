// The only public entry. Pure layers first (usable on their own, sans-IO), then the Duplex-based server and client.

export {
  RtmpError,
  HandshakeError,
  ChunkError,
  AmfError,
  MessageError,
  SessionStateError,
  RejectedError,
  TimeoutError,
  ClosedError,
  UrlError,
} from './errors'
export type { RtmpErrorCode, RtmpStatus } from './errors'

// AMF
export {
  AmfEcmaArray,
  AmfTypedObject,
  AmfXmlDocument,
  AmfXml,
  AmfDouble,
  AmfArray,
  AmfVector,
  AmfDictionary,
  AmfAvmPlus,
  AmfDate,
  isAmfObject,
} from './amf/amf-value'
export type { AmfValue, AmfObject, AmfVectorKind } from './amf/amf-value'
export { DEFAULT_AMF_LIMITS, normalizeAmfLimits } from './amf/amf-limits'
export type { AmfLimits } from './amf/amf-limits'
export { decodeAmf0, Amf0Decoder } from './amf/amf0-decoder'
export { encodeAmf0, Amf0Encoder } from './amf/amf0-encoder'
export { decodeAmf3, Amf3Decoder } from './amf/amf3-decoder'
export type { AmfDecodeOptions, Amf3ExternalizableReader, Amf3ExternalInput } from './amf/amf3-decoder'
export { encodeAmf3, Amf3Encoder } from './amf/amf3-encoder'

// Handshake
export { Handshake } from './handshake/handshake'
export type { HandshakeRole, HandshakeOptions, HandshakeResult } from './handshake/handshake'

// Chunks
export type { RawMessage } from './chunk/raw-message'
export { ChunkReader } from './chunk/chunk-reader'
export { ChunkWriter } from './chunk/chunk-writer'
export { SharedChunks, chunkMessage } from './chunk/shared-chunks'
export type { SharedChunksOptions, SharedChunksStats } from './chunk/shared-chunks'
export { DEFAULT_CHUNK_LIMITS, normalizeChunkLimits } from './chunk/chunk-limits'
export type { ChunkLimits } from './chunk/chunk-limits'

// Messages
export { MessageType, UserControlEventType, PeerBandwidthLimit } from './message/message-type'
export type { MessageTypeId, PeerBandwidthLimitType } from './message/message-type'
export type { RtmpMessage, CommandMessage, UserControlEvent, AmfEncoding } from './message/rtmp-message'
export { decodeMessage, encodeMessage } from './message/message-codec'
export type { MessageLimits } from './message/message-codec'
export { splitAggregate } from './message/aggregate'
export { NetConnectionCode, NetStreamCode, statusInfo, readStatus } from './message/status'
export type { StatusLevel } from './message/status'

// Media payloads
export type { MediaMessage } from './media/media-message'
export { videoInfo, audioInfo, isKeyframe, isSequenceHeader } from './media/flv-tag'
export type { VideoInfo, AudioInfo, VideoCodec, AudioCodec, VideoFrameType } from './media/flv-tag'
export { splitTracks, singleTrack, isMultitrack, DEFAULT_TRACK_ID } from './media/multitrack'
export type { TrackPacket, TrackKind } from './media/multitrack'
export { FlvError } from './media/flv-error'
export type { FlvErrorReason } from './media/flv-error'
export { parseAvcConfig } from './media/avc-config'
export type { AvcConfig } from './media/avc-config'
export { parseAacConfig } from './media/aac-config'
export type { AacConfig } from './media/aac-config'
// Enhanced RTMP: codec configuration records, tag encoders (issue 5)
export { VideoPacketType, AudioPacketType, videoCodecOfFourCc, audioCodecOfFourCc } from './media/flv-tag'
export type { MultitrackType, MultitrackInfo, TrackInfo } from './media/flv-tag'
export { parseHevcConfig, parseHevcSps, HevcNalType } from './media/hevc-config'
export type { HevcConfig, HevcSpsInfo, HevcNalArray } from './media/hevc-config'
export { parseAv1Config, parseAv1SequenceHeader, findAv1Obu, Av1ObuType } from './media/av1-config'
export type { Av1Config, Av1SequenceHeader } from './media/av1-config'
export { parseVpConfig, vp9FrameSize } from './media/vp9-config'
export type { VpConfig, Vp9FrameInfo } from './media/vp9-config'
export { parseOpusHead } from './media/opus-config'
export type { OpusHead } from './media/opus-config'
export { parseFlacStreamInfo } from './media/flac-config'
export type { FlacStreamInfo } from './media/flac-config'
export { parseAc3Header, parseMpegAudioHeader } from './media/audio-frame-header'
export type { Ac3FrameInfo, MpegAudioFrameInfo } from './media/audio-frame-header'
export { parseMultichannelConfig, encodeMultichannelConfig } from './media/multichannel-config'
export type { MultichannelConfig, AudioChannelOrder } from './media/multichannel-config'
export { describeVideoConfig, describeVideoConfigs, describeVideoKeyframe, describeAudioConfig, describeAudioConfigs } from './media/codec-config'
export type { VideoConfigInfo, VideoConfigRecord, AudioConfigInfo, AudioConfigRecord, ChromaFormat } from './media/codec-config'
export {
  videoExTag,
  videoExCommandTag,
  videoMultitrackTag,
  audioExTag,
  audioMultitrackTag,
  encodeModEx,
  timestampOffsetNanoModEx,
  ModExType,
} from './media/ex-tag-builder'
export type {
  VideoExTagFields,
  VideoExCommandFields,
  VideoMultitrackFields,
  AudioExTagFields,
  AudioMultitrackFields,
  ExTrack,
  ModExEntry,
} from './media/ex-tag-builder'
export { FlvReader, readFlvFile, decodeScriptData } from './media/flv-reader'
export type { FlvHeader, FlvTag, FlvReaderOptions, FlvFile } from './media/flv-reader'
export { FlvWriter, writeFlvFile } from './media/flv-writer'
export type { FlvWriterOptions } from './media/flv-writer'
export { TagPacer } from './media/tag-pacer'
export type { TagPacerOptions } from './media/tag-pacer'

// Sessions (sans-IO)
export { ServerSession } from './session/server-session'
export type { ServerSessionOptions, ServerSessionAction, RejectStatus, ConnectionState } from './session/server-session'
export type { ServerSessionEvent, PublishMode } from './session/server-events'
export { ClientSession } from './session/client-session'
export type { ClientSessionAction, ConnectParams, PlayParams, ClientState } from './session/client-session'
export type { ClientSessionEvent } from './session/client-events'
export type { SessionAction } from './session/session-action'
export type { SessionOptions } from './session/session-options'
// Enhanced RTMP connect capabilities and the v2 reconnect request
export { CapsEx, FourCcInfo, DEFAULT_CAPABILITIES, readCapabilities, capabilityMembers } from './session/capabilities'
export type { Capabilities, CapabilitiesInit } from './session/capabilities'
export { RECONNECT_REQUEST_CODE } from './session/reconnect-request'
export type { ReconnectRequestInit } from './session/reconnect-request'

// Server and client over any Duplex
export { RtmpServer, createServer } from './transport/rtmp-server'
export type { RtmpServerOptions, RtmpServerEvents, ListenOptions } from './transport/rtmp-server'
export type { ServerCloseOptions } from './transport/rtmp-server'
export { ServerConnection } from './transport/server-connection'
export type { ServerConnectionEvents } from './transport/server-connection'
export { ConnectRequest, PublishRequest, PlayRequest } from './transport/requests'
export { PublishStream } from './transport/publish-stream'
export { PlayStream } from './transport/play-stream'
export { MediaReader } from './transport/media-reader'
export { RtmpClient } from './transport/rtmp-client'
export type { RtmpClientOptions, RtmpConnectTarget, ClientPlayOptions, ClientPublishOptions, RtmpClientEvents } from './transport/rtmp-client'
export type { ReconnectRequestEvent } from './transport/rtmp-client'
export { ClientPlayStream, ClientPublishStream } from './transport/client-streams'
export { parseRtmpUrl } from './transport/rtmp-url'
export type { RtmpUrl } from './transport/rtmp-url'
export { LiveRouter } from './live/live-router'
export type { LiveRouterOptions, LiveRouterHooks, LiveStreamInfo, LivePublisher } from './live/live-router'
export { LiveStream } from './live/live-stream'
export type { LiveSubscription, GopCacheLimits, PlayerLimits } from './live/live-stream'
export type { LiveSink } from './live/live-sink'
// slow players: GOP-safe drops, then disconnect (issue 6)
export { PlayerGate, gateFrame } from './live/player-gate'
export type { GateDecision, GateFrame, SlowBound, QueueOwner } from './live/player-gate'
export { GopDrop } from './live/gop-drop'

// Access control
export { signStream, signedStreamName, verifyStream, keysEqual } from './auth/signed-url'
export type { StreamTokenParams, TokenCheck } from './auth/signed-url'
// Adobe challenge authentication, authmod=adobe (issue 6)
export { adobeAuth, isEncoderConnect } from './auth/adobe-auth-server'
export type { AdobeAuthOptions, AdobeAuthHandler } from './auth/adobe-auth-server'
export {
  AdobeChallenges,
  AdobeAuthClient,
  adobeResponse,
  verifyAdobeResponse,
  formatAdobeRejection,
  parseAdobeRejection,
  formatAdobeQuery,
  readAdobeQuery,
  stripAdobeQuery,
} from './auth/adobe-auth'
export type { AdobeChallenge, AdobeChallengesOptions, AdobeRejection, AdobeAuthQuery, AdobeAuthStep, AdobeCredentials } from './auth/adobe-auth'
export { redactUrl } from './transport/redact'

// Live hub: statistics (issue 4)
export { systemClock } from './live/live-clock'
export type { LiveClock } from './live/live-clock'
export { DEFAULT_GOP_CACHE, DEFAULT_PLAYER_LIMITS } from './live/live-options'
export type { LiveStart, SubscribeOptions, MultitrackRouting } from './live/live-options'
export type { LiveStreamStats, LiveVideoStats, LiveAudioStats, LiveStreamState } from './live/stream-stats'
export { SERVER_STAGES } from './transport/server-stats'
export type { RtmpServerStats, StageStats, ServerStage } from './transport/server-stats'

// Recording and VOD (issue 4)
export { FlvStreamSink } from './record/flv-stream-sink'
export { FlvRecorder } from './record/flv-recorder'
export type { FlvRecorderOptions, FlvRecorderEvents, RecordedFile } from './record/flv-recorder'
export { RecordAll, recordAll } from './record/record-all'
export type { RecordAllOptions, RecordAllEvents } from './record/record-all'
export { RecordingMuxer } from './record/recording-muxer'
export type { RecordingMuxerState, AppendPoint } from './record/recording-muxer'
export { RecordingTimeline } from './record/recording-timeline'
export type { RecordingTimelineOptions, TimelineTrack } from './record/recording-timeline'
export { expandRecordingPath } from './record/recording-path'
export type { RecordingFileInfo } from './record/recording-path'
export type { RecordingMode } from './record/recording-file'
export { RecordingError } from './record/recording-error'
export { FlvIndex, FlvIndexScanner, indexFlv } from './vod/flv-index'
export type { FlvIndexOptions, FlvIndexEntry, ByteRange } from './vod/flv-index'
export { planPlayback, planSeek } from './vod/vod-plan'
export type { PlaybackPlan } from './vod/vod-plan'
export { FlvFileSource, indexFlvFile } from './vod/flv-file-source'
export type { FlvFileSourceOptions, SourceTag } from './vod/flv-file-source'
export { FlvFilePlayer } from './vod/flv-file-player'
export type { FlvFilePlayerOptions, FlvFilePlayerEvents, VodEndReason } from './vod/flv-file-player'
export { serveFlvFile, resolveFlvPath } from './vod/serve-flv-file'
export type { ServeFlvFileOptions } from './vod/serve-flv-file'
export { VodError } from './vod/vod-error'
export type { PlayComplete } from './transport/play-stream'

// Relays (issue 4)
export { PushRelay, pushRelay } from './relay/push-relay'
export type { PushRelayOptions, PushRelayEvents } from './relay/push-relay'
export { PushDestination } from './relay/push-destination'
export type { PushTarget, PushDestinationStatus, PushDestinationState, PushDestinationStats, PushDestinationEvents } from './relay/push-destination'
export { EdgeRelay, createEdge } from './relay/edge-relay'
export type { EdgeOptions, EdgeStream, EdgeRelayEvents, EdgeRouter } from './relay/edge-relay'
export type { EdgePullStatus, EdgeStopReason } from './relay/edge-pull'
export { Backoff, backoffDelay, normalizeBackoff, DEFAULT_BACKOFF } from './relay/backoff'
export type { BackoffOptions } from './relay/backoff'
export { RelayFeed } from './relay/relay-feed'
export type { FeedResult } from './relay/relay-feed'
export { DEFAULT_RELAY_QUEUE_LIMITS, normalizeRelayQueueLimits } from './relay/relay-queue-limits'
export type { RelayQueueLimits } from './relay/relay-queue-limits'
export { timerScheduler } from './relay/scheduler'
export type { Scheduler, CancelTimer } from './relay/scheduler'
export type { RelayClientOptions, RelayCommonOptions } from './relay/relay-options'
