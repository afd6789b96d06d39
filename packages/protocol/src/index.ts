export { ErrorCode, CloseCode, clientErrorMessages, errorMessages, errorReason, roomErrorMessages, serverErrorMessages } from './errors'
export type { ErrorReason } from './errors'
export { Limits } from './limits'
export {
  ID_PUNCTUATION,
  checkIds,
  isValidRoomId,
  isValidStreamId,
  isValidUserId,
  isValidUserName,
  utf8Length,
} from './ids'
export { PROTOCOL_VERSION } from './messages'
export type {
  BroadcastMessage,
  ClientRequest,
  ErrorBody,
  LoginResult,
  MediaUrls,
  Op,
  OpRequest,
  OpResult,
  Ops,
  PlayResult,
  PublishResult,
  PushEvent,
  Pushes,
  ResumeResult,
  RoomExtraInfo,
  RoomSync,
  ServerMessage,
  ServerPush,
  ServerReply,
  StreamInfo,
  UserInfo,
} from './messages'
export { isOp, parseClientMessage } from './validate'
export { parseServerMessage } from './parseServerMessage'
export type { ParseResult } from './validate'
export { renderErrorDocs } from './errorDocs'
