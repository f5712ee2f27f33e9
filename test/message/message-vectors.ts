import { AmfEcmaArray } from '../../src/amf/amf-value'
import { MessageType } from '../../src/message/message-type'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { statusInfo } from '../../src/message/status'
import { hex } from '../helpers/hex'

/** One message body: `decodeMessage({ typeId, payload: bytes })` gives `message`, `encodeMessage(message)` gives `bytes`. */
export interface MessageVector {
  readonly name: string
  readonly typeId: number
  readonly message: RtmpMessage
  readonly bytes: Uint8Array
}

/** The shared table (go-rtmp `common_test.go` style): used for decode, encode and mirror tests. */
export const messageVectors: readonly MessageVector[] = [
  // ── Protocol control (RTMP 1.0 §5.4) ────────────────────────────────────────────
  {
    name: 'SetChunkSize 4096',
    typeId: MessageType.SetChunkSize,
    message: { type: 'setChunkSize', chunkSize: 4096 },
    bytes: hex`00 00 10 00 // ChunkSize 4096 (31 bit, BigEndian)`,
  },
  {
    name: 'SetChunkSize at its 31-bit maximum',
    typeId: MessageType.SetChunkSize,
    message: { type: 'setChunkSize', chunkSize: 0x7fffffff },
    bytes: hex`7f ff ff ff // ChunkSize 2^31-1 (31 bit, top bit 0)`,
  },
  {
    name: 'SetChunkSize 1',
    typeId: MessageType.SetChunkSize,
    message: { type: 'setChunkSize', chunkSize: 1 },
    bytes: hex`00 00 00 01 // ChunkSize 1`,
  },
  {
    name: 'Abort chunk stream 4',
    typeId: MessageType.Abort,
    message: { type: 'abort', chunkStreamId: 4 },
    bytes: hex`00 00 00 04 // ChunkStreamID 4 (32 bit, BigEndian)`,
  },
  {
    name: 'Acknowledgement 2500000',
    typeId: MessageType.Acknowledgement,
    message: { type: 'acknowledgement', sequenceNumber: 2500000 },
    bytes: hex`00 26 25 a0 // SequenceNumber 2500000 (32 bit, BigEndian)`,
  },
  {
    name: 'Acknowledgement at 2^32-1 (the counter wraps)',
    typeId: MessageType.Acknowledgement,
    message: { type: 'acknowledgement', sequenceNumber: 0xffffffff },
    bytes: hex`ff ff ff ff // SequenceNumber 2^32-1`,
  },
  {
    name: 'WindowAckSize 2500000',
    typeId: MessageType.WindowAckSize,
    message: { type: 'windowAckSize', size: 2500000 },
    bytes: hex`00 26 25 a0 // AcknowledgementWindowSize 2500000 (32 bit, BigEndian)`,
  },
  {
    name: 'SetPeerBandwidth 2500000 hard',
    typeId: MessageType.SetPeerBandwidth,
    message: { type: 'setPeerBandwidth', size: 2500000, limitType: 0 },
    bytes: hex`
      00 26 25 a0 // AcknowledgementWindowSize 2500000 (32 bit, BigEndian)
      00          // LimitType Hard
    `,
  },
  {
    name: 'SetPeerBandwidth 2500000 soft',
    typeId: MessageType.SetPeerBandwidth,
    message: { type: 'setPeerBandwidth', size: 2500000, limitType: 1 },
    bytes: hex`
      00 26 25 a0 // AcknowledgementWindowSize 2500000
      01          // LimitType Soft
    `,
  },
  {
    name: 'SetPeerBandwidth 2500000 dynamic (what ffmpeg sends)',
    typeId: MessageType.SetPeerBandwidth,
    message: { type: 'setPeerBandwidth', size: 2500000, limitType: 2 },
    bytes: hex`
      00 26 25 a0 // AcknowledgementWindowSize 2500000
      02          // LimitType Dynamic
    `,
  },

  // ── User control (RTMP 1.0 §7.1.7) ──────────────────────────────────────────────
  {
    name: 'UserControl StreamBegin 1',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'streamBegin', streamId: 1 } },
    bytes: hex`
      00 00       // EventType StreamBegin (16 bit, BigEndian)
      00 00 00 01 // StreamID 1 (32 bit, BigEndian)
    `,
  },
  {
    name: 'UserControl StreamEOF 1',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'streamEof', streamId: 1 } },
    bytes: hex`
      00 01       // EventType StreamEOF
      00 00 00 01 // StreamID 1
    `,
  },
  {
    name: 'UserControl StreamDry 1',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'streamDry', streamId: 1 } },
    bytes: hex`
      00 02       // EventType StreamDry
      00 00 00 01 // StreamID 1
    `,
  },
  {
    name: 'UserControl SetBufferLength 1, 3000 ms',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'setBufferLength', streamId: 1, bufferLength: 3000 } },
    bytes: hex`
      00 03       // EventType SetBufferLength
      00 00 00 01 // StreamID 1
      00 00 0b b8 // BufferLength 3000 ms (32 bit, BigEndian)
    `,
  },
  {
    name: 'UserControl StreamIsRecorded 1',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'streamIsRecorded', streamId: 1 } },
    bytes: hex`
      00 04       // EventType StreamIsRecorded
      00 00 00 01 // StreamID 1
    `,
  },
  {
    name: 'UserControl PingRequest',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'pingRequest', timestamp: 0x12345678 } },
    bytes: hex`
      00 06       // EventType PingRequest
      12 34 56 78 // Timestamp 305419896 (32 bit, BigEndian)
    `,
  },
  {
    name: 'UserControl PingResponse',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'pingResponse', timestamp: 0x12345678 } },
    bytes: hex`
      00 07       // EventType PingResponse
      12 34 56 78 // Timestamp 305419896
    `,
  },
  {
    name: 'UserControl BufferEmpty (31) is kept as unknown',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'unknown', eventType: 31, data: hex`00 00 00 01` } },
    bytes: hex`
      00 1f       // EventType 31 BufferEmpty (not interpreted)
      00 00 00 01 // data
    `,
  },
  {
    name: 'UserControl BufferReady (32) is kept as unknown',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'unknown', eventType: 32, data: hex`00 00 00 01` } },
    bytes: hex`
      00 20       // EventType 32 BufferReady (not interpreted)
      00 00 00 01 // data
    `,
  },
  {
    name: 'UserControl SWFVerify request (26) with no data',
    typeId: MessageType.UserControl,
    message: { type: 'userControl', event: { kind: 'unknown', eventType: 26, data: new Uint8Array(0) } },
    bytes: hex`00 1a // EventType 26 SWFVerify request, no data`,
  },

  // ── Media, shared objects, aggregate, unknown: payload as is ─────────────────────
  {
    name: 'Audio (AAC raw frame)',
    typeId: MessageType.Audio,
    message: { type: 'audio', data: hex`af 01 21 10` },
    bytes: hex`
      af          // SoundFormat AAC, 44 kHz, 16 bit, stereo
      01          // AACPacketType raw
      21 10       // frame
    `,
  },
  {
    name: 'Video (AVC keyframe NALU)',
    typeId: MessageType.Video,
    message: { type: 'video', data: hex`17 01 00 00 00 00 00 00 02 65 88` },
    bytes: hex`
      17          // FrameType key, CodecID AVC
      01          // AVCPacketType NALU
      00 00 00    // CompositionTime 0
      00 00 00 02 // NALU length 2
      65 88       // IDR slice
    `,
  },
  {
    name: 'Empty video payload',
    typeId: MessageType.Video,
    message: { type: 'video', data: new Uint8Array(0) },
    bytes: new Uint8Array(0),
  },
  {
    name: 'SharedObject AMF0 (passed through)',
    typeId: MessageType.SharedObjectAmf0,
    message: { type: 'sharedObject', encoding: 'amf0', payload: hex`00 03 66 6f 6f 00 00 00 00` },
    bytes: hex`
      00 03 66 6f 6f // name "foo" (typeless)
      00 00 00 00    // version 0
    `,
  },
  {
    name: 'SharedObject AMF3 (passed through)',
    typeId: MessageType.SharedObjectAmf3,
    message: { type: 'sharedObject', encoding: 'amf3', payload: hex`00 00 03 66 6f 6f` },
    bytes: hex`
      00             // prefix byte
      00 03 66 6f 6f // name "foo"
    `,
  },
  {
    name: 'Aggregate (passed through; split with splitAggregate)',
    typeId: MessageType.Aggregate,
    message: { type: 'aggregate', payload: hex`08 00 00 01 00 00 00 00 00 00 00 af 00 00 00 0c` },
    bytes: hex`
      08          // sub-message type Audio
      00 00 01    // size 1
      00 00 00 00 // timestamp 0 + extension 0
      00 00 00    // stream id
      af          // body
      00 00 00 0c // back-pointer 12
    `,
  },
  {
    name: 'Unknown type 7 (edge/origin) is kept',
    typeId: 7,
    message: { type: 'unknown', typeId: 7, payload: hex`01 02 03` },
    bytes: hex`01 02 03`,
  },
  {
    name: 'Unknown type 255 with an empty payload',
    typeId: 255,
    message: { type: 'unknown', typeId: 255, payload: new Uint8Array(0) },
    bytes: new Uint8Array(0),
  },

  // ── Commands (RTMP 1.0 §7.2), AMF0 (20) ──────────────────────────────────────────
  {
    // ffmpeg -re -i in.flv -f flv rtmp://localhost/live/cam1 (gen_connect, output side)
    name: 'connect as ffmpeg sends it when publishing',
    typeId: MessageType.CommandAmf0,
    message: {
      type: 'command',
      encoding: 'amf0',
      name: 'connect',
      transactionId: 1,
      commandObject: {
        app: 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; Lavf61.7.100)',
        tcUrl: 'rtmp://localhost/live',
      },
      args: [],
    },
    bytes: hex`
      02 00 07 63 6f 6e 6e 65 63 74 // String "connect"
      00 3f f0 00 00 00 00 00 00 // Number 1
      03 // Object
      00 03 61 70 70 //   key "app"
      02 00 04 6c 69 76 65 // String "live"
      00 04 74 79 70 65 //   key "type"
      02 00 0a 6e 6f 6e 70 72 69 76 61 74 65 // String "nonprivate"
      00 08 66 6c 61 73 68 56 65 72 //   key "flashVer"
      02 00 23 46 4d 4c 45 2f 33 2e 30 20 28 63 6f 6d 70 61 74 69 62 6c 65 3b 20 4c 61 76 66 36 31 2e 37 2e 31 30 30 29 // String "FMLE/3.0 (compatible; Lavf61.7.100)"
      00 05 74 63 55 72 6c //   key "tcUrl"
      02 00 15 72 74 6d 70 3a 2f 2f 6c 6f 63 61 6c 68 6f 73 74 2f 6c 69 76 65 // String "rtmp://localhost/live"
      00 00 09 // ObjectEnd
    `,
  },
  {
    // ffplay rtmp://localhost/live/cam1 (gen_connect, input side: fpad … videoFunction are sent only when playing)
    name: 'connect as ffmpeg sends it when playing',
    typeId: MessageType.CommandAmf0,
    message: {
      type: 'command',
      encoding: 'amf0',
      name: 'connect',
      transactionId: 1,
      commandObject: {
        app: 'live',
        flashVer: 'LNX 9,0,124,2',
        tcUrl: 'rtmp://localhost/live',
        fpad: false,
        capabilities: 15,
        audioCodecs: 4071,
        videoCodecs: 252,
        videoFunction: 1,
      },
      args: [],
    },
    bytes: hex`
      02 00 07 63 6f 6e 6e 65 63 74 // String "connect"
      00 3f f0 00 00 00 00 00 00 // Number 1
      03 // Object
      00 03 61 70 70 //   key "app"
      02 00 04 6c 69 76 65 // String "live"
      00 08 66 6c 61 73 68 56 65 72 //   key "flashVer"
      02 00 0d 4c 4e 58 20 39 2c 30 2c 31 32 34 2c 32 // String "LNX 9,0,124,2"
      00 05 74 63 55 72 6c //   key "tcUrl"
      02 00 15 72 74 6d 70 3a 2f 2f 6c 6f 63 61 6c 68 6f 73 74 2f 6c 69 76 65 // String "rtmp://localhost/live"
      00 04 66 70 61 64 //   key "fpad"
      01 00 // Boolean false
      00 0c 63 61 70 61 62 69 6c 69 74 69 65 73 //   key "capabilities"
      00 40 2e 00 00 00 00 00 00 // Number 15
      00 0b 61 75 64 69 6f 43 6f 64 65 63 73 //   key "audioCodecs"
      00 40 af ce 00 00 00 00 00 // Number 4071
      00 0b 76 69 64 65 6f 43 6f 64 65 63 73 //   key "videoCodecs"
      00 40 6f 80 00 00 00 00 00 // Number 252
      00 0d 76 69 64 65 6f 46 75 6e 63 74 69 6f 6e //   key "videoFunction"
      00 3f f0 00 00 00 00 00 00 // Number 1
      00 00 09 // ObjectEnd
    `,
  },
  {
    // what ffmpeg's listen mode (read_connect) answers, as most servers do
    name: '_result for connect',
    typeId: MessageType.CommandAmf0,
    message: {
      type: 'command',
      encoding: 'amf0',
      name: '_result',
      transactionId: 1,
      commandObject: { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      args: [statusInfo('status', 'NetConnection.Connect.Success', 'Connection succeeded.', { objectEncoding: 0 })],
    },
    bytes: hex`
      02 00 07 5f 72 65 73 75 6c 74 // String "_result"
      00 3f f0 00 00 00 00 00 00 // Number 1
      03 // Object
      00 06 66 6d 73 56 65 72 //   key "fmsVer"
      02 00 0d 46 4d 53 2f 33 2c 30 2c 31 2c 31 32 33 // String "FMS/3,0,1,123"
      00 0c 63 61 70 61 62 69 6c 69 74 69 65 73 //   key "capabilities"
      00 40 3f 00 00 00 00 00 00 // Number 31
      00 00 09 // ObjectEnd
      03 // Object
      00 05 6c 65 76 65 6c //   key "level"
      02 00 06 73 74 61 74 75 73 // String "status"
      00 04 63 6f 64 65 //   key "code"
      02 00 1d 4e 65 74 43 6f 6e 6e 65 63 74 69 6f 6e 2e 43 6f 6e 6e 65 63 74 2e 53 75 63 63 65 73 73 // String "NetConnection.Connect.Success"
      00 0b 64 65 73 63 72 69 70 74 69 6f 6e //   key "description"
      02 00 15 43 6f 6e 6e 65 63 74 69 6f 6e 20 73 75 63 63 65 65 64 65 64 2e // String "Connection succeeded."
      00 0e 6f 62 6a 65 63 74 45 6e 63 6f 64 69 6e 67 //   key "objectEncoding"
      00 00 00 00 00 00 00 00 00 // Number 0
      00 00 09 // ObjectEnd
    `,
  },
  {
    name: 'createStream (ffmpeg publisher: transaction 4 after releaseStream, FCPublish)',
    typeId: MessageType.CommandAmf0,
    message: { type: 'command', encoding: 'amf0', name: 'createStream', transactionId: 4, commandObject: null, args: [] },
    bytes: hex`
      02 00 0c 63 72 65 61 74 65 53 74 72 65 61 6d // String "createStream"
      00 40 10 00 00 00 00 00 00 // Number 4
      05 // Null
    `,
  },
  {
    name: '_result for createStream: stream id 1',
    typeId: MessageType.CommandAmf0,
    message: { type: 'command', encoding: 'amf0', name: '_result', transactionId: 4, commandObject: null, args: [1] },
    bytes: hex`
      02 00 07 5f 72 65 73 75 6c 74 // String "_result"
      00 40 10 00 00 00 00 00 00 // Number 4
      05 // Null
      00 3f f0 00 00 00 00 00 00 // Number 1
    `,
  },
  {
    name: 'publish cam1 live',
    typeId: MessageType.CommandAmf0,
    message: {
      type: 'command',
      encoding: 'amf0',
      name: 'publish',
      transactionId: 5,
      commandObject: null,
      args: ['cam1', 'live'],
    },
    bytes: hex`
      02 00 07 70 75 62 6c 69 73 68 // String "publish"
      00 40 14 00 00 00 00 00 00 // Number 5
      05 // Null
      02 00 04 63 61 6d 31 // String "cam1"
      02 00 04 6c 69 76 65 // String "live"
    `,
  },
  {
    // ffplay: start = live * 1000 with the default live = -2 ("any")
    name: 'play cam1 from -2000',
    typeId: MessageType.CommandAmf0,
    message: { type: 'command', encoding: 'amf0', name: 'play', transactionId: 4, commandObject: null, args: ['cam1', -2000] },
    bytes: hex`
      02 00 04 70 6c 61 79 // String "play"
      00 40 10 00 00 00 00 00 00 // Number 4
      05 // Null
      02 00 04 63 61 6d 31 // String "cam1"
      00 c0 9f 40 00 00 00 00 00 // Number -2000
    `,
  },
  {
    // ffmpeg listen mode's write_status
    name: 'onStatus NetStream.Publish.Start',
    typeId: MessageType.CommandAmf0,
    message: {
      type: 'command',
      encoding: 'amf0',
      name: 'onStatus',
      transactionId: 0,
      commandObject: null,
      args: [
        statusInfo('status', 'NetStream.Publish.Start', 'cam1 is now published', {
          details: 'cam1',
          clientid: 'Lavf61.7.100',
        }),
      ],
    },
    bytes: hex`
      02 00 08 6f 6e 53 74 61 74 75 73 // String "onStatus"
      00 00 00 00 00 00 00 00 00 // Number 0
      05 // Null
      03 // Object
      00 05 6c 65 76 65 6c //   key "level"
      02 00 06 73 74 61 74 75 73 // String "status"
      00 04 63 6f 64 65 //   key "code"
      02 00 17 4e 65 74 53 74 72 65 61 6d 2e 50 75 62 6c 69 73 68 2e 53 74 61 72 74 // String "NetStream.Publish.Start"
      00 0b 64 65 73 63 72 69 70 74 69 6f 6e //   key "description"
      02 00 15 63 61 6d 31 20 69 73 20 6e 6f 77 20 70 75 62 6c 69 73 68 65 64 // String "cam1 is now published"
      00 07 64 65 74 61 69 6c 73 //   key "details"
      02 00 04 63 61 6d 31 // String "cam1"
      00 08 63 6c 69 65 6e 74 69 64 //   key "clientid"
      02 00 0c 4c 61 76 66 36 31 2e 37 2e 31 30 30 // String "Lavf61.7.100"
      00 00 09 // ObjectEnd
    `,
  },

  // ── Command AMF3 (17): one leading byte, then AMF0 ───────────────────────────────
  {
    name: 'createStream as a type 17 command',
    typeId: MessageType.CommandAmf3,
    message: { type: 'command', encoding: 'amf3', name: 'createStream', transactionId: 2, commandObject: null, args: [] },
    bytes: hex`
      00 // prefix byte (types 15 / 17)
      02 00 0c 63 72 65 61 74 65 53 74 72 65 61 6d // String "createStream"
      00 40 00 00 00 00 00 00 00 // Number 2
      05 // Null
    `,
  },
  {
    name: 'a type 17 command whose argument switches to AMF3 (ByteArray)',
    typeId: MessageType.CommandAmf3,
    message: {
      type: 'command',
      encoding: 'amf3',
      name: 'send',
      transactionId: 0,
      commandObject: null,
      args: [new Uint8Array([1, 2])],
    },
    bytes: hex`
      00                         // prefix byte (types 15 / 17)
      02 00 04 73 65 6e 64       // String "send"
      00 00 00 00 00 00 00 00 00 // Number 0
      05                         // Null
      11                         // avmplus switch: the next value is AMF3
      0c 05 01 02                // AMF3 ByteArray, length 2 (U29 0x05 = 2 << 1 | 1), bytes 01 02
    `,
  },

  // ── Data (18 AMF0, 15 AMF3) ──────────────────────────────────────────────────────
  {
    name: '@setDataFrame onMetaData (ECMA array)',
    typeId: MessageType.DataAmf0,
    message: {
      type: 'data',
      encoding: 'amf0',
      values: [
        '@setDataFrame',
        'onMetaData',
        AmfEcmaArray.from({ duration: 0, width: 1280, height: 720, videocodecid: 7, encoder: 'Lavf61.7.100' }),
      ],
    },
    bytes: hex`
      02 00 0d 40 73 65 74 44 61 74 61 46 72 61 6d 65 // String "@setDataFrame"
      02 00 0a 6f 6e 4d 65 74 61 44 61 74 61 // String "onMetaData"
      08 00 00 00 05 // EcmaArray (count 5)
      00 08 64 75 72 61 74 69 6f 6e //   key "duration"
      00 00 00 00 00 00 00 00 00 // Number 0
      00 05 77 69 64 74 68 //   key "width"
      00 40 94 00 00 00 00 00 00 // Number 1280
      00 06 68 65 69 67 68 74 //   key "height"
      00 40 86 80 00 00 00 00 00 // Number 720
      00 0c 76 69 64 65 6f 63 6f 64 65 63 69 64 //   key "videocodecid"
      00 40 1c 00 00 00 00 00 00 // Number 7
      00 07 65 6e 63 6f 64 65 72 //   key "encoder"
      02 00 0c 4c 61 76 66 36 31 2e 37 2e 31 30 30 // String "Lavf61.7.100"
      00 00 09 // ObjectEnd
    `,
  },
  {
    // nginx-rtmp and most servers send this to a player before media
    name: '|RtmpSampleAccess true true',
    typeId: MessageType.DataAmf0,
    message: { type: 'data', encoding: 'amf0', values: ['|RtmpSampleAccess', true, true] },
    bytes: hex`
      02 00 11 7c 52 74 6d 70 53 61 6d 70 6c 65 41 63 63 65 73 73 // String "|RtmpSampleAccess"
      01 01 // Boolean true
      01 01 // Boolean true
    `,
  },
  {
    name: 'Empty data message: zero values',
    typeId: MessageType.DataAmf0,
    message: { type: 'data', encoding: 'amf0', values: [] },
    bytes: new Uint8Array(0),
  },
  {
    name: 'onTextData as a type 15 data message',
    typeId: MessageType.DataAmf3,
    message: { type: 'data', encoding: 'amf3', values: ['onTextData', { text: 'hi' }] },
    bytes: hex`
      00 // prefix byte (types 15 / 17)
      02 00 0a 6f 6e 54 65 78 74 44 61 74 61 // String "onTextData"
      03 // Object
      00 04 74 65 78 74 //   key "text"
      02 00 02 68 69 // String "hi"
      00 00 09 // ObjectEnd
    `,
  },
  {
    name: 'Empty type 15 data message: just the leading byte',
    typeId: MessageType.DataAmf3,
    message: { type: 'data', encoding: 'amf3', values: [] },
    bytes: hex`00 // prefix byte, no values`,
  },
]
