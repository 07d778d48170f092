import { ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigsResponse.ConfigSource codes. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

export interface ResourceProblem {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/** Broker configs come from the config file and flags; they are shown but never altered at run time. */
export function brokerConfigEntries(broker: BrokerContext): { name: string; value: string }[] {
  const { config } = broker;
  return [
    { name: 'broker.id', value: String(config.nodeId) },
    { name: 'advertised.listeners', value: `PLAINTEXT://${config.advertisedHost}:${broker.advertisedPort()}` },
    { name: 'auto.create.topics.enable', value: String(config.autoCreateTopics) },
    { name: 'num.partitions', value: String(config.numPartitions) },
    { name: 'default.replication.factor', value: '1' },
    { name: 'socket.request.max.bytes', value: String(config.socketRequestMaxBytes) },
    { name: 'connections.max.idle.ms', value: String(config.connectionsMaxIdleMs) },
    { name: 'log.dirs', value: config.dataDir },
    { name: 'log.segment.bytes', value: String(config.log.segmentBytes) },
    { name: 'log.retention.ms', value: String(config.log.retentionMs) },
    { name: 'log.retention.bytes', value: String(config.log.retentionBytes) },
    { name: 'message.max.bytes', value: String(config.log.maxMessageBytes) },
  ];
}

/** The problem with naming this broker as a resource, if any ("" is the cluster-wide default). */
export function brokerResourceProblem(broker: BrokerContext, resourceName: string): ResourceProblem | undefined {
  if (resourceName === '' || resourceName === String(broker.config.nodeId)) return undefined;
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.config.nodeId} but received ${resourceName}` };
}

export function unknownResource(resourceType: number): ResourceProblem {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${resourceType} is not supported; use 2 (topic) or 4 (broker)` };
}

export const STATIC_BROKER_CONFIGS: ResourceProblem = {
  errorCode: ErrorCode.INVALID_REQUEST,
  errorMessage: 'broker configs cannot be altered while the broker runs; change the config file or flags and restart',
};
