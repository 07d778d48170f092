import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ajv } from '../../core/base/index.ts';
import { CLUSTER_OPTION_PROPERTIES, MAX_TIMER_MS } from '../cluster-config.ts';
import { configError, resolveOptions } from '../options.ts';
import type { HookKind, OptionsInput } from '../options.ts';
import type { ConsumerOptions } from './consumer-types.ts';

/**
 * The consumer's options, Kafka's consumer configs camelCased, with their defaults.
 * `rebalanceTimeoutMs` has none of its own: it defaults to maxPollIntervalMs.
 */
export const CONSUMER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bootstrapServers'],
  properties: {
    ...CLUSTER_OPTION_PROPERTIES,
    groupId: { type: 'string', minLength: 1, description: 'The consumer group; needed for subscribe() and for commits (group.id).' },
    groupInstanceId: {
      type: 'string',
      minLength: 1,
      description:
        'Static membership (KIP-345): a stable identity for this consumer. It sends no LeaveGroup on close, so a restart within sessionTimeoutMs keeps its partitions without a rebalance; unique per running consumer (group.instance.id).',
    },
    sessionTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 45_000,
      description: 'How long the coordinator keeps a member that stopped heartbeating, as Kafka 3.0+ (KIP-735); the broker’s group min/max session timeouts bound it (session.timeout.ms).',
    },
    heartbeatIntervalMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 3000,
      description: 'How often the member heartbeats; below sessionTimeoutMs (heartbeat.interval.ms).',
    },
    rebalanceTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      description:
        'How long the coordinator waits for every member to rejoin (JoinGroup’s rebalance timeout). Defaults to maxPollIntervalMs, which Kafka’s and librdkafka’s consumers send, since a member rejoins only once its application lets go of the partitions being revoked.',
    },
    maxPollIntervalMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 300_000,
      description:
        'In a group, if the application does not ask for the next batch for this long, the member leaves the group so its partitions go to the others, and rejoins when the application asks again (max.poll.interval.ms).',
    },
    autoCommit: { type: 'boolean', default: true, description: 'Commit processed offsets every autoCommitIntervalMs and on close (enable.auto.commit).' },
    autoCommitIntervalMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 5000, description: 'How often processed offsets are committed (auto.commit.interval.ms).' },
    autoOffsetReset: {
      enum: ['latest', 'earliest'],
      default: 'latest',
      description: 'Where to start without a committed offset, or when the offset is out of range (auto.offset.reset).',
    },
    isolationLevel: {
      enum: ['read_uncommitted', 'read_committed'],
      default: 'read_uncommitted',
      description: '`read_committed` skips aborted transactions’ records (isolation.level).',
    },
    maxBytes: { type: 'integer', minimum: 1, default: 52_428_800, description: 'Most bytes a Fetch response may hold (fetch.max.bytes).' },
    maxPartitionBytes: { type: 'integer', minimum: 1, default: 1_048_576, description: 'Most bytes a Fetch response may hold per partition (max.partition.fetch.bytes).' },
    maxWaitMs: { type: 'integer', minimum: 0, maximum: MAX_TIMER_MS, default: 500, description: 'How long a Fetch waits on the broker for minBytes (fetch.max.wait.ms).' },
    minBytes: { type: 'integer', minimum: 0, default: 1, description: 'Bytes a Fetch waits for before the broker answers (fetch.min.bytes).' },
    maxPrefetchBytes: {
      type: 'integer',
      minimum: 1,
      default: 33_554_432,
      description: 'No new Fetch is sent while fetched data the application has not taken holds this many bytes.',
    },
  },
} as const satisfies JSONSchema;

/** The consumer options after validation, every default filled in. */
export type ConsumerConfig = FromSchema<typeof CONSUMER_CONFIG_SCHEMA>;
/** The JSON part of ConsumerOptions, as callers pass it. */
export type ConsumerConfigInput = OptionsInput<FromSchema<typeof CONSUMER_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>>;

/** What the consumer runs on: the resolved options, the rebalance timeout worked out. */
export interface ResolvedConsumerConfig extends ConsumerConfig {
  readonly rebalanceTimeoutMs: number;
}

const validateConsumerConfig = ajv.compile<ConsumerConfig>(CONSUMER_CONFIG_SCHEMA);

/** Consumer options that are not JSON data; see CLUSTER_HOOKS for why the `satisfies`. */
export const CONSUMER_HOOKS = {
  assignors: 'array',
  onAssigned: 'function',
  onRevoked: 'function',
  scheduler: 'object',
} as const satisfies Record<Exclude<keyof ConsumerOptions, keyof ConsumerConfigInput>, HookKind>;

/**
 * Validates consumer options, fills in the defaults and applies Kafka's rules between
 * options. Throws ERR_CLIENT_INVALID_CONFIG naming each bad option.
 */
export function resolveConsumerConfig(options: ConsumerOptions): ResolvedConsumerConfig {
  const config = resolveOptions({ kind: 'consumer', validate: validateConsumerConfig, hooks: CONSUMER_HOOKS }, options);
  // As Kafka's consumer: a member heartbeating no more often than its session lasts would be dropped between heartbeats.
  if (config.heartbeatIntervalMs >= config.sessionTimeoutMs) {
    throw configError(
      `consumer option heartbeatIntervalMs (${config.heartbeatIntervalMs}) must be below sessionTimeoutMs (${config.sessionTimeoutMs}); lower heartbeatIntervalMs or raise sessionTimeoutMs`,
    );
  }
  return { ...config, rebalanceTimeoutMs: config.rebalanceTimeoutMs ?? config.maxPollIntervalMs };
}
