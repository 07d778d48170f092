// The consumer protocol's codec lives in core/protocol, shared with the broker; the client
// re-exports it under the names it has always had.
export { CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment, encodeConsumerAssignment } from '../core/protocol/index.ts';
export type { ConsumerAssignment } from '../core/protocol/index.ts';
