import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ajv } from '../../core/base/index.ts';
import { CompressionCodec } from '../../core/records/index.ts';
import { CLUSTER_OPTION_PROPERTIES, MAX_TIMER_MS } from '../cluster-config.ts';
import { configError, resolveOptions } from '../options.ts';
import type { HookKind, OptionsInput } from '../options.ts';
import type { ProducerOptions } from './producer.ts';

/** Kafka's limit with idempotence: the broker keeps the sequences of this many batches per partition. */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

/**
 * The producer's options, Kafka's producer configs camelCased, with their defaults. Two
 * defaults depend on other options, as in Kafka: `idempotent` is turned off when it was not
 * asked for and acks, retries or maxInFlight rule it out, and `deliveryTimeoutMs` is raised to
 * lingerMs + requestTimeoutMs when it was not given and is smaller.
 */
export const PRODUCER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bootstrapServers'],
  properties: {
    ...CLUSTER_OPTION_PROPERTIES,
    acks: {
      enum: [0, 1, -1, 'all'],
      default: 'all',
      description: '0: no answer awaited; 1: the leader wrote it; -1 or `all`: every in-sync replica has it (acks).',
    },
    idempotent: {
      type: 'boolean',
      default: true,
      description:
        'Exactly once per partition across retries (KIP-98): a producer id, and a sequence number per batch that the broker checks. Needs acks `all`, retries > 0 and maxInFlight <= 5; when not set, it is off if those rule it out (enable.idempotence).',
    },
    compression: { enum: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], default: 'none', description: 'Codec of every batch (compression.type).' },
    batchSize: {
      type: 'integer',
      minimum: 1,
      default: 1_000_000,
      description:
        'Largest batch per partition in bytes, before compression (batch.size). librdkafka’s default: linger and what accumulates while a partition’s previous batch is in flight size the batches, and this only caps them (Java’s 16384 caps a busy partition at one small batch per round trip); a batch’s buffer starts at 16 KiB and grows.',
    },
    lingerMs: { type: 'integer', minimum: 0, maximum: MAX_TIMER_MS, default: 5, description: 'How long a batch may wait for more records before it is sent (linger.ms).' },
    bufferMemory: {
      type: 'integer',
      minimum: 1024,
      default: 33_554_432,
      description: 'Bytes of records waiting or in flight; send() waits while a record would exceed it (buffer.memory).',
    },
    retries: {
      type: 'integer',
      minimum: 0,
      default: 2_147_483_647,
      description: 'Retries of a batch after a retriable error; the default is unlimited within deliveryTimeoutMs (retries).',
    },
    deliveryTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 120_000,
      description:
        'How long a record may take from send() to its acknowledgement, retries included; at least lingerMs + requestTimeoutMs, and raised to that when not set (delivery.timeout.ms).',
    },
    maxBlockMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_TIMER_MS,
      default: 60_000,
      description: 'How long send() may wait for the cluster, the topic’s metadata or buffer memory before its record fails with ERR_CLIENT_TIMEOUT (max.block.ms).',
    },
    maxInFlight: {
      type: 'integer',
      minimum: 1,
      default: 5,
      description: 'Produce requests in flight per broker connection; at most 5 with idempotence (max.in.flight.requests.per.connection).',
    },
    maxRequestSize: {
      type: 'integer',
      minimum: 1024,
      default: 1_048_576,
      description: 'Largest Produce request, and so largest record (max.request.size).',
    },
    transactionalId: {
      type: 'string',
      minLength: 1,
      description:
        'Makes the producer transactional: initTransactions(), then records sent between beginTransaction() and commitTransaction() become visible to read_committed consumers together, or never on abortTransaction(). A newer producer with the same id fences this one. Forces idempotence on (transactional.id).',
    },
    transactionTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_MS,
      default: 60_000,
      description: 'How long the transaction coordinator lets a transaction stay open before it aborts it; at most the broker’s transaction.max.timeout.ms (transaction.timeout.ms).',
    },
  },
} as const satisfies JSONSchema;

/** The producer options after validation, every default filled in. */
export type ProducerConfig = FromSchema<typeof PRODUCER_CONFIG_SCHEMA>;
/** The JSON part of ProducerOptions, as callers pass it. */
export type ProducerConfigInput = OptionsInput<FromSchema<typeof PRODUCER_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>>;

/** What the producer runs on: the resolved options, acks as the wire's number and the codec's id. */
export interface ResolvedProducerConfig extends Omit<ProducerConfig, 'acks' | 'compression'> {
  readonly acks: 0 | 1 | -1;
  readonly compression: CompressionCodec;
}

const validateProducerConfig = ajv.compile<ProducerConfig>(PRODUCER_CONFIG_SCHEMA);

/** Producer options that are not JSON data; see CLUSTER_HOOKS for why the `satisfies`. */
export const PRODUCER_HOOKS = { scheduler: 'object' } as const satisfies Record<Exclude<keyof ProducerOptions, keyof ProducerConfigInput>, HookKind>;

/**
 * Validates producer options, fills in the defaults and applies Kafka's rules between
 * options. Throws ERR_CLIENT_INVALID_CONFIG naming each bad option.
 */
export function resolveProducerConfig(options: ProducerOptions): ResolvedProducerConfig {
  const config = resolveOptions({ kind: 'producer', validate: validateProducerConfig, hooks: PRODUCER_HOOKS }, options);
  const acks = config.acks === 'all' ? -1 : config.acks;
  const { retries, maxInFlight, lingerMs, requestTimeoutMs } = config;
  let idempotent = config.idempotent;
  // As Kafka's producer: transactions are built on idempotence, which a transactional id turns on.
  if (config.transactionalId !== undefined) {
    if (options.idempotent === false) throw configError('producer option transactionalId needs idempotence; remove idempotent: false');
    if (acks !== -1) throw configError(`producer option transactionalId needs acks 'all' (got acks ${acks})`);
    if (retries === 0) throw configError('producer option transactionalId needs retries > 0');
    if (maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) throw configError(`producer option transactionalId allows at most ${MAX_IDEMPOTENT_IN_FLIGHT} requests in flight (maxInFlight ${maxInFlight})`);
    idempotent = true;
  } else if (options.idempotent === true) {
    if (acks !== -1) throw configError(`producer option idempotent: true needs acks 'all' (got acks ${acks}); set acks: 'all' or idempotent: false`);
    if (retries === 0) throw configError('producer option idempotent: true needs retries > 0; set idempotent: false to disable retries');
    if (maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) {
      throw configError(`producer option idempotent: true allows at most ${MAX_IDEMPOTENT_IN_FLIGHT} requests in flight (maxInFlight ${maxInFlight})`);
    }
  } else if (options.idempotent === undefined) {
    // As in Kafka: idempotence is on unless it was not asked for and other options rule it out.
    idempotent = acks === -1 && retries > 0 && maxInFlight <= MAX_IDEMPOTENT_IN_FLIGHT;
  }
  let deliveryTimeoutMs = config.deliveryTimeoutMs;
  // As Kafka's producer: a record must have time for its linger and at least one request.
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    if (options.deliveryTimeoutMs !== undefined) {
      throw configError(
        `producer option deliveryTimeoutMs (${deliveryTimeoutMs}) must be at least lingerMs + requestTimeoutMs (${lingerMs} + ${requestTimeoutMs}); raise deliveryTimeoutMs or lower the others`,
      );
    }
    deliveryTimeoutMs = lingerMs + requestTimeoutMs;
  }
  return { ...config, acks, idempotent, deliveryTimeoutMs, compression: CompressionCodec[config.compression] };
}
