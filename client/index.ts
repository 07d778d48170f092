export { DEFAULT_KAFKA_PORT, formatAddress, parseBootstrap } from './bootstrap.ts';
export type { BrokerAddress } from './bootstrap.ts';
export { KafkaConnection, connectBootstrap } from './connection.ts';
export type { AdvertisedVersions, ConnectionOptions, RequestOptions } from './connection.ts';
export { CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment, encodeConsumerAssignment } from './consumer-protocol.ts';
export type { ConsumerAssignment } from './consumer-protocol.ts';
export { ClientError, ClientErrorCode, KafkaError, kafkaError, throwIfKafkaError } from './errors.ts';
export { Cluster } from './cluster.ts';
export type { BrokerInfo, ClusterOptions, PartitionInfo, TopicMetadata } from './cluster.ts';
