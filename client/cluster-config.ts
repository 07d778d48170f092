import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ajv } from '../core/base/index.ts';
import type { ClusterOptions } from './cluster.ts';
import { resolveOptions } from './options.ts';
import type { HookKind, OptionsInput } from './options.ts';

/** Node's timers fire at once (with a warning) when asked to wait longer than this. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The options every client takes (producer, consumer, admin): where the cluster is and how
 * requests to it are timed. Each client's schema spreads these properties into its own, so a
 * shared option is declared, defaulted and documented once.
 */
export const CLUSTER_OPTION_PROPERTIES = {
  bootstrapServers: {
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Brokers to ask for the cluster’s metadata first: `host:port[,host:port]` or a list of such strings; a missing port means 9092 (bootstrap.servers).',
  },
  clientId: { type: 'string', default: 'brook', description: 'Sent in every request header; brokers log it and DescribeGroups shows it (client.id).' },
  requestTimeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 30_000, description: 'How long a request waits for its answer (request.timeout.ms).' },
  connectTimeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 10_000, description: 'How long setting up a TCP connection to a broker may take (socket.connection.setup.timeout.ms).' },
  metadataMaxAgeMs: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_TIMER_MS,
    default: 300_000,
    description: 'Metadata is refreshed this often even without an error, so new partitions and moved leaders are seen; older metadata is refreshed before use (metadata.max.age.ms).',
  },
  retryBackoffMs: {
    type: 'integer',
    minimum: 0,
    maximum: MAX_TIMER_MS,
    default: 100,
    description: 'First wait before a retry, doubled per attempt up to 1 s (retry.backoff.ms).',
  },
} as const satisfies Record<string, JSONSchema>;

export const CLUSTER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bootstrapServers'],
  properties: CLUSTER_OPTION_PROPERTIES,
} as const satisfies JSONSchema;

/** The cluster options after validation, every default filled in. */
export type ClusterConfig = FromSchema<typeof CLUSTER_CONFIG_SCHEMA>;
/** The JSON part of ClusterOptions, as callers pass it. */
export type ClusterConfigInput = OptionsInput<FromSchema<typeof CLUSTER_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>>;

const validateClusterConfig = ajv.compile<ClusterConfig>(CLUSTER_CONFIG_SCHEMA);

/**
 * Cluster options that are not JSON data, checked for their kind instead of the schema. The
 * `satisfies` makes an option added to ClusterOptions outside the schema a compile error until
 * it is listed here (else it would be refused as unknown).
 */
export const CLUSTER_HOOKS = { scheduler: 'object', connect: 'function' } as const satisfies Record<Exclude<keyof ClusterOptions, keyof ClusterConfigInput>, HookKind>;

/** The cluster's part of a client's resolved options: what the client's Cluster is made from. */
export function clusterConfigOf(config: ClusterConfig): ClusterConfig {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(CLUSTER_OPTION_PROPERTIES)) {
    if (Object.hasOwn(config, name)) picked[name] = (config as Record<string, unknown>)[name];
  }
  return picked as ClusterConfig;
}

/** Validates a Cluster's options and fills in the defaults; throws ERR_CLIENT_INVALID_CONFIG naming each bad option. */
export function resolveClusterConfig(options: unknown): ClusterConfig {
  return resolveOptions({ kind: 'cluster', validate: validateClusterConfig, hooks: CLUSTER_HOOKS }, options);
}
