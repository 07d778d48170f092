export { Consumer } from './consumer.ts';
export type { ConsumerBatch, ConsumerOptions, ConsumerRecord, PartitionsListener, TopicRecord } from './consumer-types.ts';
export { rangeAssignor, roundRobinAssignor } from './assignors.ts';
export type { Assignor, GroupAssignment, GroupMember, RebalanceProtocol, SubscriptionState } from './assignors.ts';
export { cooperativeStickyAssignor } from './sticky-assignor.ts';
export { decodeConsumerSubscription, encodeConsumerSubscription } from '../../core/protocol/index.ts';
export type { ConsumerSubscription, ConsumerSubscriptionInput } from '../../core/protocol/index.ts';
export type { IsolationLevel, OffsetResetPolicy, TopicPartition, TopicPartitionOffset } from './offsets.ts';
