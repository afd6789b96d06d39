export { FIXTURES } from './fixtures.js'
export { encodeAmf0, encodeAmf0Values, decodeAmf0, decodeAmf0All, Amf0EcmaArray, Amf0Error, type Amf0Value } from './amf0.js'
export {
  FlvParser,
  FlvFormatError,
  parseFlvFile,
  writeFlvHeader,
  writeFlvTag,
  isAvc,
  isAvcSequenceHeader,
  isAac,
  isAacSequenceHeader,
  isVideoFrame,
  isAudioFrame,
  isKeyframe,
  avcPayload,
  parseScriptTag,
  readMetadata,
  readAvcResolution,
  readNalLengthSize,
  TAG_AUDIO,
  TAG_VIDEO,
  TAG_SCRIPT,
  type FlvTag,
  type FlvTagType,
  type FlvHeader,
  type StreamMetadata,
} from './flv.js'
export {
  parseSps,
  parseAvcDecoderConfig,
  splitNalUnits,
  buildSeiNal,
  insertSeiNal,
  readSeiMessages,
  escapeRbsp,
  unescapeRbsp,
  SEI_UUID_MESSAGE,
  SEI_UUID_WALLCLOCK,
  type SpsInfo,
  type AvcDecoderConfig,
  type SeiMessage,
} from './avc.js'
export { MediaError, type MediaErrorReason } from './errors.js'
export { RtmpClient, parseRtmpUrl, type RtmpUrl, type RtmpStatus, type RtmpClientOptions, type RtmpClientEvents } from './rtmp-client.js'
export { FlvSource, loadFlvClip, type FlvClip, type FlvSourceOptions, type FlvSink } from './flv-source.js'
export { RtmpPublisher, type RtmpPublisherOptions, type RtmpPublisherEvents } from './rtmp-publisher.js'
export { HttpFlvReader, type HttpFlvReaderEvents, type HttpFlvReaderOptions } from './http-flv-reader.js'
export {
  MediaReader,
  probeFirstKeyframe,
  type MediaReaderOptions,
  type MediaReaderEvents,
  type KeyframeInfo,
  type ProbeResult,
} from './media-reader.js'
export { StreamStats, type StreamCounters, type StreamRates } from './stream-stats.js'
export { LatencyStats, type LatencySummary } from './latency.js'
