import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ajv, formatAjvErrors } from '../../core/base/index.ts';
import { ConnectError, ConnectErrorCode } from '../api/index.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A Connect worker's settings: Kafka's worker configs camelCased (connect-distributed.properties
 * names in each description), with Kafka's defaults.
 */
export const WORKER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bootstrapServers'],
  properties: {
    bootstrapServers: { type: 'string', minLength: 1, description: 'The Kafka cluster: host:port[,host:port] (bootstrap.servers).' },
    groupId: { type: 'string', minLength: 1, default: 'connect-cluster', description: 'The Connect cluster this worker belongs to (group.id).' },
    clientId: { type: 'string', minLength: 1, default: 'brook-connect', description: 'Prefix of the client ids of this worker\'s producers, consumers and admin clients.' },
    workerId: {
      type: 'string',
      minLength: 1,
      default: 'localhost:8083',
      description: 'How this worker names itself in statuses (worker_id): its REST host:port, as Kafka uses.',
    },
    configStorageTopic: { type: 'string', minLength: 1, default: 'connect-configs', description: 'Topic of connector and task configs (config.storage.topic).' },
    offsetStorageTopic: { type: 'string', minLength: 1, default: 'connect-offsets', description: 'Topic of source offsets (offset.storage.topic).' },
    statusStorageTopic: { type: 'string', minLength: 1, default: 'connect-status', description: 'Topic of connector and task statuses (status.storage.topic).' },
    offsetStoragePartitions: { type: 'integer', minimum: 1, default: 25, description: 'Partitions of the offsets topic when the worker creates it (offset.storage.partitions).' },
    statusStoragePartitions: { type: 'integer', minimum: 1, default: 5, description: 'Partitions of the status topic when the worker creates it (status.storage.partitions).' },
    replicationFactor: {
      type: 'integer',
      minimum: -1,
      default: -1,
      description: 'Replication factor of the internal topics when the worker creates them; -1: the broker\'s default (config/offset/status.storage.replication.factor).',
    },
    offsetFlushIntervalMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 60_000,
      description: 'How often source offsets are stored and sink offsets committed (offset.flush.interval.ms).',
    },
    offsetFlushTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 5000,
      description: 'How long a flush waits for outstanding records before it gives up until the next one (offset.flush.timeout.ms).',
    },
    taskShutdownGracefulTimeoutMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_TIMER_MS,
      default: 5000,
      description: 'How long a stopping task may take to finish (task.shutdown.graceful.timeout.ms).',
    },
    keyConverter: { type: 'string', minLength: 1, default: 'org.apache.kafka.connect.json.JsonConverter', description: 'Default key converter (key.converter).' },
    valueConverter: { type: 'string', minLength: 1, default: 'org.apache.kafka.connect.json.JsonConverter', description: 'Default value converter (value.converter).' },
    headerConverter: {
      type: 'string',
      minLength: 1,
      default: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
      description: 'Default header converter (header.converter).',
    },
    taskRestartEnabled: {
      type: 'boolean',
      default: true,
      description: 'Restart FAILED tasks and connectors automatically, with exponential backoff (Kafka Connect leaves them failed).',
    },
    taskRestartInitialBackoffMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 1000, description: 'Delay before the first automatic restart.' },
    taskRestartMaxBackoffMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 60_000,
      description: 'Longest delay between automatic restarts; a task that ran this long without failing starts over at the initial delay.',
    },
    sessionTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 10_000,
      description: 'How long the group waits for a silent worker before it rebalances its work away (session.timeout.ms).',
    },
    heartbeatIntervalMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 3000, description: 'How often a worker heartbeats to the group coordinator (heartbeat.interval.ms).' },
    rebalanceTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 60_000,
      description: 'How long the group waits for every worker to rejoin in a rebalance (rebalance.timeout.ms).',
    },
    scheduledRebalanceMaxDelayMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_TIMER_MS,
      default: 300_000,
      description: 'How long the work of a departed worker stays unassigned, waiting for it to come back, before it is spread over the others (scheduled.rebalance.max.delay.ms).',
    },
    connectorClientConfigOverridePolicy: {
      type: 'string',
      enum: ['All', 'None', 'Principal'],
      default: 'All',
      description:
        'Which producer.override.* and consumer.override.* connector settings are applied to the clients of its tasks: All, None, or Principal (only sasl.jaas.config, security.protocol, sasl.mechanism) (connector.client.config.override.policy).',
    },
    topicTrackingEnable: { type: 'boolean', default: true, description: 'Record the topics each connector uses (topic.tracking.enable).' },
    topicTrackingAllowReset: { type: 'boolean', default: true, description: 'Allow PUT /connectors/{name}/topics/reset (topic.tracking.allow.reset).' },
    allowedPaths: {
      type: 'array',
      items: { type: 'string', minLength: 1, pattern: '^[^\\u0000]+$' },
      maxItems: 1000,
      default: [],
      description:
        'The directories whose files connectors may read or write (the file settings of the file source and sink). Empty: anywhere the worker process may, as Kafka\'s FileStream connectors (Kafka\'s FileConfigProvider calls its list allowed.paths).',
    },
    deniedPaths: {
      type: 'array',
      items: { type: 'string', minLength: 1, pattern: '^[^\\u0000]+$' },
      maxItems: 1000,
      default: [],
      description:
        'Files and directories no connector setting may name, whatever allowedPaths says. The brook command adds the REST credentials file and the data directory.',
    },
  },
} as const satisfies JSONSchema;

export type WorkerConfig = FromSchema<typeof WORKER_CONFIG_SCHEMA>;
export type WorkerConfigInput = FromSchema<typeof WORKER_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>;

const validateWorkerConfig = ajv.compile<WorkerConfig>(WORKER_CONFIG_SCHEMA);

/** Validates worker settings and fills in the defaults; throws naming each bad setting. */
export function resolveWorkerConfig(input: WorkerConfigInput): WorkerConfig {
  const copy: Record<string, unknown> = {};
  // Absent and undefined mean the same to a caller: the default applies.
  for (const [k, v] of Object.entries(input) as [string, unknown][]) if (v !== undefined) copy[k] = v;
  if (!validateWorkerConfig(copy)) {
    throw new ConnectError(ConnectErrorCode.CONFIG, `invalid worker config: ${formatAjvErrors(validateWorkerConfig.errors, 'worker config')}`);
  }
  return copy;
}
