// The public entry, `brook/client`: what an application calls, and the types it names. How the
// client talks to brokers (Cluster, connections, bootstrap parsing, the consumer protocol codec)
// is in internal.ts, for Brook's own modules; the package does not export it, so it may change
// without breaking users.
export { Producer, ProducerError, ProducerErrorCode } from './producer/index.ts';
export type { Acks, ProducerOptions, ProducerRecord, RecordBytes, RecordMetadata } from './producer/index.ts';
export { ProducerFencedError, TransactionError, TransactionErrorCode } from './producer/index.ts';
export type { ConsumerGroupMetadata, TransactionOffset } from './producer/index.ts';
export { Consumer } from './consumer/index.ts';
export type {
  ConsumerBatch,
  ConsumerOptions,
  ConsumerRecord,
  IsolationLevel,
  OffsetResetPolicy,
  PartitionsListener,
  TopicPartition,
  TopicPartitionOffset,
  TopicRecord,
} from './consumer/index.ts';
export { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor } from './consumer/index.ts';
export type { Assignor, GroupAssignment, GroupMember, RebalanceProtocol, SubscriptionState } from './consumer/index.ts';
export { Admin, ConfigSource } from './admin/index.ts';
export type {
  AdminOptions,
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
  ListTransactionsOptions,
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
  TransactionDescription,
  TransactionListing,
} from './admin/index.ts';
export { SerdeError, SerdeErrorCode, bytesSerde, checkedJsonSerde, describeSerdeContext, jsonSerde, serde, stringSerde } from './serdes.ts';
export type { Deserializer, Serde, SerdeContext, Serializer } from './serdes.ts';
export { ClientError, ClientErrorCode, KafkaError } from './errors.ts';
