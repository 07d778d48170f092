export { ProtocolError, ProtocolErrorCode } from './errors.ts';
export { ErrorCode, errorCodeInfo, errorCodeTable } from './error-codes.ts';
export type { ErrorCodeInfo, ErrorName } from './error-codes.ts';
export { Writer } from './writer.ts';
export type { Int32Slot } from './writer.ts';
export { Reader } from './reader.ts';
export { ZERO_UUID } from './uuid.ts';
export type {
  DefaultValue,
  FieldDescriptor,
  MessageDescriptor,
  PrimitiveArrayField,
  PrimitiveField,
  PrimitiveType,
  StructArrayField,
  StructField,
  VersionRange,
} from './schema.ts';
export type { MessageInput, MessageValue } from './message-value.ts';
export { inVersionRange, isFlexibleVersion, parseVersionRange } from './version-range.ts';
export type { ParsedRange } from './version-range.ts';
export { defaultFactory } from './field-default.ts';
export { decodeMessage, encodeMessage } from './codec.ts';
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from './consumer-protocol.ts';
export type {
  ConsumerAssignment,
  ConsumerAssignmentInput,
  ConsumerSubscription,
  ConsumerSubscriptionInput,
  TopicPartitions,
} from './consumer-protocol.ts';
export {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from './headers.ts';
export type { RequestHeader, RequestHeaderVersion, ResponseHeader, ResponseHeaderVersion } from './headers.ts';
export { DEFAULT_MAX_FRAME_SIZE, FrameDecoder, JoinBufferPool, encodeFrame } from './framing.ts';
export type { FrameDecoderOptions } from './framing.ts';
export { decodeRequest, decodeRequestBody, describedVersion, encodeRequest } from './request.ts';
export type { DecodedRequest } from './request.ts';
export { decodeResponse, encodeResponse } from './response.ts';
export type { DecodedResponse } from './response.ts';
export * from './apis/index.ts';
