import { AmfEcmaArray } from '../src/amf/amf-value'
import type { AmfValue } from '../src/amf/amf-value'

/** A connect command as a publisher sends it. */
export const connectCommand: AmfValue[] = [
  'connect',
  1,
  {
    app: 'live',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
    objectEncoding: 0,
  },
]

/** The fields of onMetaData as ffmpeg writes it for an H.264 + AAC stream. */
export const metadataFields = {
  duration: 0,
  width: 1920,
  height: 1080,
  videodatarate: 2500,
  framerate: 30,
  videocodecid: 7,
  audiodatarate: 160,
  audiosamplerate: 48000,
  audiosamplesize: 16,
  stereo: true,
  audiocodecid: 10,
  major_brand: 'isom',
  minor_version: '512',
  compatible_brands: 'isomiso2avc1mp41',
  encoder: 'Lavf60.16.100',
  filesize: 0,
}

/** onMetaData as ffmpeg sends it: the fields as an ECMA array. */
export const metadataMessage: AmfValue[] = ['onMetaData', AmfEcmaArray.from(metadataFields)]
