import { ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { TopicConfigResult, TopicConfigs } from '../topics/topic-config.ts';
import { topicNameProblem } from '../topics/topic-name.ts';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigsResponse.ConfigSource codes. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

export interface ResourceProblem {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/** A broker config as DescribeConfigs shows it. */
export interface BrokerConfigEntry {
  readonly name: string;
  readonly value: string;
  /** Kafka's DEFAULT_CONFIG when the value is Kafka's default, STATIC_BROKER_CONFIG otherwise. */
  readonly configSource: number;
}

const LONG_MAX = '9223372036854775807';

/**
 * Broker configs come from the config file and flags; they are shown but never altered at
 * run time. Each under Kafka's name, with the value Kafka's broker has when not configured
 * (for settings whose Kafka default is "unset, see the coarser one", the value that
 * fallback gives), so that a Brook value equal to it is reported as Kafka's default.
 */
export function brokerConfigEntries(broker: BrokerContext): BrokerConfigEntry[] {
  const { config } = broker;
  const log = broker.topics.logDefaults;
  const [flushMessages, flushMs] =
    log.flushPolicy === 'every-append' ? ['1', LONG_MAX] : log.flushPolicy === 'interval' ? [LONG_MAX, String(log.flushIntervalMs)] : [LONG_MAX, LONG_MAX];
  const listener = `PLAINTEXT://${config.advertisedHost}:${broker.advertisedPort()}`;
  const entries: [name: string, value: string, kafkaDefault: string | null][] = [
    ['advertised.listeners', listener, null],
    ['auto.create.topics.enable', String(config.autoCreateTopics), 'true'],
    ['broker.id', String(config.nodeId), '-1'],
    ['compression.type', log.compressionType, 'producer'],
    ['connections.max.idle.ms', String(config.connectionsMaxIdleMs), '600000'],
    ['default.replication.factor', '1', '1'],
    ['group.initial.rebalance.delay.ms', String(config.groups.initialRebalanceDelayMs), '3000'],
    ['group.max.session.timeout.ms', String(config.groups.maxSessionTimeoutMs), '1800000'],
    ['group.max.size', String(config.groups.maxSize), '2147483647'],
    ['group.min.session.timeout.ms', String(config.groups.minSessionTimeoutMs), '6000'],
    ['listeners', `PLAINTEXT://${config.host}:${broker.advertisedPort()}`, null],
    ['log.cleaner.backoff.ms', String(config.log.cleanerIntervalMs), '15000'],
    ['log.cleanup.policy', log.cleanupPolicy.compact ? (log.cleanupPolicy.delete ? 'compact,delete' : 'compact') : 'delete', 'delete'],
    ['log.dirs', config.dataDir, null],
    ['log.flush.interval.messages', flushMessages, LONG_MAX],
    ['log.flush.interval.ms', flushMs, LONG_MAX],
    ['log.index.interval.bytes', String(log.indexIntervalBytes), '4096'],
    ['log.message.timestamp.type', log.messageTimestampType, 'CreateTime'],
    ['log.retention.bytes', String(config.log.retentionBytes), '-1'],
    ['log.retention.check.interval.ms', String(config.log.retentionCheckIntervalMs), '300000'],
    ['log.retention.ms', String(config.log.retentionMs), '604800000'],
    ['log.roll.ms', String(config.log.segmentMs), '604800000'],
    ['log.segment.bytes', String(config.log.segmentBytes), '1073741824'],
    ['message.max.bytes', String(config.log.maxMessageBytes), '1048588'],
    ['min.insync.replicas', '1', '1'],
    ['node.id', String(config.nodeId), '-1'],
    ['num.partitions', String(config.numPartitions), '1'],
    ['offset.metadata.max.bytes', String(config.groups.offsetMetadataMaxBytes), '4096'],
    ['offsets.retention.check.interval.ms', String(config.groups.offsetsRetentionCheckIntervalMs), '600000'],
    // Kafka counts minutes here; a retention that is not whole minutes is rounded up.
    ['offsets.retention.minutes', String(Math.ceil(config.groups.offsetsRetentionMs / 60_000)), '10080'],
    ['offsets.topic.num.partitions', String(config.groups.offsetsTopicPartitions), '50'],
    ['offsets.topic.replication.factor', '1', '3'],
    ['offsets.topic.segment.bytes', String(config.groups.offsetsTopicSegmentBytes), '104857600'],
    ['socket.request.max.bytes', String(config.socketRequestMaxBytes), '104857600'],
    ['unclean.leader.election.enable', 'false', 'false'],
  ];
  return entries.map(([name, value, kafkaDefault]) => ({
    name,
    value,
    configSource: value === kafkaDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG,
  }));
}

/** The problem with naming this broker as a resource, if any ("" is the cluster-wide default). */
export function brokerResourceProblem(broker: BrokerContext, resourceName: string): ResourceProblem | undefined {
  if (resourceName === '' || resourceName === String(broker.config.nodeId)) return undefined;
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.config.nodeId} but received ${resourceName}` };
}

/**
 * The problem with naming this topic as a resource, if any, as Kafka answers it: an illegal
 * name is INVALID_TOPIC_EXCEPTION (an alter of the empty "default topic" is an INVALID_REQUEST:
 * Kafka keeps no topic-level defaults), a topic that does not exist UNKNOWN_TOPIC_OR_PARTITION.
 */
export function topicResourceProblem(broker: BrokerContext, resourceName: string, alter: boolean): ResourceProblem | undefined {
  if (alter && resourceName === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default topic resources are not allowed.' };
  const nameProblem = topicNameProblem(resourceName);
  if (nameProblem !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
  if (broker.topics.get(resourceName) === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${resourceName}' does not exist.` };
  }
  return undefined;
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
export async function alterResource(
  broker: BrokerContext,
  resource: { readonly resourceType: number; readonly resourceName: string },
  validateOnly: boolean,
  change: (current: TopicConfigs) => TopicConfigResult,
): Promise<AlterResult> {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  if (resource.resourceType === ResourceType.BROKER) return { ...base, ...(brokerResourceProblem(broker, resource.resourceName) ?? STATIC_BROKER_CONFIGS) };
  if (resource.resourceType !== ResourceType.TOPIC) return { ...base, ...unknownResource(resource.resourceType) };
  const problem = topicResourceProblem(broker, resource.resourceName, true);
  if (problem !== undefined) return { ...base, ...problem };
  if (broker.topics.get(resource.resourceName) === undefined) {
    return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${resource.resourceName}' does not exist.` };
  }
  // `change` runs against the overrides as every earlier alteration left them, also one
  // still being written, so concurrent alterations do not overwrite each other.
  const result = await broker.topics.alterConfigs(resource.resourceName, change, validateOnly);
  if (!result.ok) return { ...base, errorCode: result.errorCode, errorMessage: result.message };
  if (!validateOnly) broker.logger.info({ topic: resource.resourceName, configs: result.topic.configs }, 'altered topic configs');
  return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
}
