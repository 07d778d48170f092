export { DEFAULT_KAFKA_PORT, formatAddress, parseBootstrap } from './bootstrap.ts';
export type { BrokerAddress } from './bootstrap.ts';
export { KafkaConnection, connectBootstrap } from './connection.ts';
export type { AdvertisedVersions, ConnectionOptions, RequestOptions } from './connection.ts';
export { CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment, encodeConsumerAssignment } from '../core/protocol/index.ts';
export type { ConsumerAssignment } from '../core/protocol/index.ts';
export { ClientError, ClientErrorCode, KafkaError, kafkaError, throwIfKafkaError } from './errors.ts';
export { Cluster } from './cluster.ts';
export type { BrokerInfo, ClusterOptions, PartitionInfo, TopicMetadata } from './cluster.ts';
export { Admin, ConfigSource } from './admin/index.ts';
export type {
  AlterConfigOp,
  AlterConfigOpName,
  AlterConfigsResource,
  CommittedOffset,
  ConfigEntry,
  ConfigResource,
  ConfigResourceEntries,
  ConfigResourceType,
  ConfigSourceName,
  DeleteRecordsRequest,
  DeletedRecords,
  DescribeConfigsResource,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  ListOffsetsRequest,
  ListedOffset,
  MutationOptions,
  NewTopic,
  OffsetSpec,
  OffsetToCommit,
  PartitionDescription,
  ResetOffset,
  ResetOffsetsOptions,
  ResetSpec,
  TopicDescription,
  TopicPartition,
} from './admin/index.ts';
export { SerdeError, SerdeErrorCode, bytesSerde, checkedJsonSerde, describeSerdeContext, jsonSerde, serde, stringSerde } from './serdes.ts';
export type { Deserializer, Serde, SerdeContext, Serializer } from './serdes.ts';
export * from './consumer/index.ts';
export * from './producer/index.ts';
