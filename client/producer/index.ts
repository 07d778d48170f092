export { Producer, ProducerError, ProducerErrorCode } from './producer.ts';
export type { Acks, ProducerOptions, ProducerRecord, RecordBytes, RecordMetadata } from './producer.ts';
export { PRODUCER_CONFIG_SCHEMA } from './producer-config.ts';
export type { ProducerConfig } from './producer-config.ts';
export { DefaultPartitioner, murmur2, murmur2Partition, toPositive } from './partitioner.ts';
export { ProducerFencedError, TransactionError, TransactionErrorCode } from './transactions.ts';
export type { ConsumerGroupMetadata, TransactionOffset } from './transactions.ts';
