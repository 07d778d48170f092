import { ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { TopicConfigResult, TopicConfigs } from '../topics/topic-config.ts';

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

export interface AlterResult {
  readonly errorCode: number;
  readonly resourceType: number;
  readonly resourceName: string;
  readonly errorMessage: string | null;
}

/**
 * The part AlterConfigs and IncrementalAlterConfigs share: broker resources are refused,
 * a topic's new override set is computed from its current one by `change`, then stored
 * and applied to its logs (unless `validateOnly`).
 */
export function alterResource(
  broker: BrokerContext,
  resource: { readonly resourceType: number; readonly resourceName: string },
  validateOnly: boolean,
  change: (current: TopicConfigs) => TopicConfigResult,
): AlterResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  if (resource.resourceType === ResourceType.BROKER) return { ...base, ...(brokerResourceProblem(broker, resource.resourceName) ?? STATIC_BROKER_CONFIGS) };
  if (resource.resourceType !== ResourceType.TOPIC) return { ...base, ...unknownResource(resource.resourceType) };
  const topic = broker.topics.get(resource.resourceName);
  if (topic === undefined) {
    return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resource.resourceName}' does not exist.` };
  }
  const changed = change(topic.configs);
  if (!changed.ok) return { ...base, errorCode: changed.errorCode, errorMessage: changed.message };
  const result = broker.topics.setConfigs(resource.resourceName, changed.configs, validateOnly);
  if (!result.ok) return { ...base, errorCode: result.errorCode, errorMessage: result.message };
  if (!validateOnly) broker.logger.info({ topic: resource.resourceName, configs: changed.configs }, 'altered topic configs');
  return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
}
