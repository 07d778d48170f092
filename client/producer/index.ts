export { Producer, ProducerError, ProducerErrorCode } from './producer.ts';
export type { Acks, ProducerOptions, ProducerRecord, RecordBytes, RecordMetadata } from './producer.ts';
export { DefaultPartitioner, murmur2, murmur2Partition, toPositive } from './partitioner.ts';
