export { Consumer } from './consumer.ts';
export type { ConsumerBatch, ConsumerOptions, ConsumerRecord, PartitionsListener, TopicRecord } from './consumer.ts';
export { decodeConsumerSubscription, encodeConsumerSubscription, rangeAssignor, roundRobinAssignor } from './assignors.ts';
export type { Assignor, ConsumerSubscription, GroupAssignment, GroupMember } from './assignors.ts';
export type { IsolationLevel, OffsetResetPolicy, TopicPartition, TopicPartitionOffset } from './offsets.ts';
