// Transport internals for Brook's own modules (streams/, connect/, the broker's inter-broker
// calls, the CLI): metadata and routing, connections, bootstrap parsing, building Kafka errors,
// the consumer protocol codec, the default partitioner, and the option schemas (which Streams
// and Connect configs build on). package.json does not export this file; what users call is in
// index.ts.
export { DEFAULT_KAFKA_PORT, formatAddress, parseBootstrap } from './bootstrap.ts';
export type { BrokerAddress } from './bootstrap.ts';
export { KafkaConnection, connectBootstrap } from './connection.ts';
export type { AdvertisedVersions, ConnectionOptions, RequestOptions } from './connection.ts';
export { Cluster } from './cluster.ts';
export type { BrokerInfo, ClusterOptions, ConnectFunction, PartitionInfo, TopicMetadata } from './cluster.ts';
export { kafkaError, throwIfKafkaError } from './errors.ts';
// Group membership for protocols other than the consumer's (Connect workers join with protocol type `connect`).
export { GroupCoordinator } from './consumer/coordinator.ts';
export { GroupRequests, MAX_GROUP_BACKOFF_MS, MemberLoopTimers, REJOIN_ERRORS } from './consumer/group-requests.ts';
export type { GroupAssignmentInput, GroupMemberIdentity, GroupRequestOptions, JoinGroupAnswer } from './consumer/group-requests.ts';
export { ApiKey, ErrorCode } from '../core/protocol/index.ts';
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../core/protocol/index.ts';
export type { ConsumerAssignment, ConsumerAssignmentInput, ConsumerSubscription, ConsumerSubscriptionInput } from '../core/protocol/index.ts';
export { DefaultPartitioner, murmur2, murmur2Partition, toPositive } from './producer/index.ts';
export { ADMIN_CONFIG_SCHEMA } from './admin/index.ts';
export type { AdminConfig } from './admin/index.ts';
export { CONSUMER_CONFIG_SCHEMA } from './consumer/index.ts';
export type { ConsumerConfig } from './consumer/index.ts';
export { PRODUCER_CONFIG_SCHEMA } from './producer/index.ts';
export type { ProducerConfig } from './producer/index.ts';
