import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { ConsumerOptions, ProducerOptions, Serde } from '../client/index.ts';
import { ajv, formatAjvErrors } from '../core/base/index.ts';
import type { Scheduler } from '../core/base/index.ts';
import { StreamsError, StreamsErrorCode } from './errors.ts';
import type { ErrorContext, HandlerResponse, ProductionExceptionHandler, StreamsLogger } from './processor/error-handlers.ts';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * A Streams application's config: Kafka Streams' names camelCased, with their defaults. The
 * producer and consumer options pass through to the client, which validates them.
 */
export const STREAMS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['applicationId', 'bootstrapServers'],
  properties: {
    applicationId: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[a-zA-Z0-9._-]+$',
      description: 'Names the consumer group and prefixes internal topics `<applicationId>-<name>-repartition`; letters, digits, ".", "_" and "-" (application.id).',
    },
    bootstrapServers: {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: 'Brokers to ask for the cluster’s metadata first: `host:port[,host:port]` or a list (bootstrap.servers).',
    },
    commitIntervalMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_TIMER_MS,
      description: 'How often processed offsets are committed; default 30000, or 100 under exactly_once_v2 (commit.interval.ms).',
    },
    processingGuarantee: {
      enum: ['at_least_once', 'exactly_once_v2'],
      default: 'at_least_once',
      description: 'at_least_once commits offsets after outputs are acknowledged; exactly_once_v2 commits them in the producer’s transaction (processing.guarantee).',
    },
    maxTaskIdleMs: {
      type: 'integer',
      minimum: -1,
      maximum: MAX_TIMER_MS,
      default: 0,
      description: 'How long a task with several inputs waits for an empty one before processing the others out of timestamp order; -1 never waits (max.task.idle.ms).',
    },
    bufferedRecordsPerPartition: {
      type: 'integer',
      minimum: 1,
      default: 1000,
      description: 'Records buffered per input partition before fetching from it pauses (buffered.records.per.partition).',
    },
    statestoreCacheMaxBytes: {
      type: 'integer',
      minimum: 0,
      default: 10485760,
      description: 'Record cache bytes per state store; updates to a key between commits collapse; 0 disables caching (statestore.cache.max.bytes).',
    },
    applicationServer: {
      type: 'string',
      pattern: '^[^:]+:[0-9]+$',
      description: 'This instance’s `host:port` for interactive queries, shared with the group so every instance knows who holds which task (application.server).',
    },
    numStandbyReplicas: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 0,
      description: 'Standby copies of each stateful task kept warm on other instances from its changelog, so a failover replays only a tail; at most one per other instance (num.standby.replicas).',
    },
    stateDir: { type: 'string', minLength: 1, default: join(tmpdir(), 'brook-streams'), description: 'Where state stores keep local data (state.dir); an instance locks <stateDir>/<applicationId> while it runs, so each instance needs its own.' },
    replicationFactor: {
      type: 'integer',
      minimum: -1,
      default: -1,
      description: 'Replication factor of internal topics; -1 takes the broker’s default (replication.factor).',
    },
    deserializationExceptionHandler: {
      enum: ['logAndFail', 'logAndContinue'],
      default: 'logAndFail',
      description: 'What a record that cannot be deserialized does: fail the app, or be logged and skipped; a function decides per record (default.deserialization.exception.handler).',
    },
    processingExceptionHandler: {
      enum: ['logAndFail', 'logAndContinue'],
      default: 'logAndFail',
      description: 'What a record whose processing throws does; a function decides per record (processing.exception.handler).',
    },
    productionExceptionHandler: {
      enum: ['fail', 'continue'],
      default: 'fail',
      description: 'What a record a sink cannot serialize does: fail the task, or be logged and skipped; a function decides per record (default.production.exception.handler).',
    },
    errorsDeadLetterQueueTopicName: {
      type: 'string',
      minLength: 1,
      description: 'Records either handler skips or fails are first written here, raw, with the cause in headers (errors.dead.letter.queue.topic.name).',
    },
    producer: { type: 'object', description: 'Options for the app’s producer (Brook’s ProducerOptions), validated by the client.' },
    consumer: { type: 'object', description: 'Options for the app’s consumer (Brook’s ConsumerOptions), validated by the client; groupId is the applicationId.' },
  },
} as const satisfies JSONSchema;

type SchemaConfig = FromSchema<typeof STREAMS_CONFIG_SCHEMA>;
type SchemaInput = FromSchema<typeof STREAMS_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>;

type HandlerOption = 'logAndFail' | 'logAndContinue' | ((context: ErrorContext) => HandlerResponse);

/** What an application passes: the JSON options, plus the ones that are functions or objects. */
export interface StreamsOptions extends Omit<SchemaInput, 'deserializationExceptionHandler' | 'processingExceptionHandler' | 'productionExceptionHandler' | 'producer' | 'consumer' | 'bootstrapServers'> {
  readonly bootstrapServers: string | readonly string[];
  readonly deserializationExceptionHandler?: HandlerOption;
  readonly processingExceptionHandler?: HandlerOption;
  readonly productionExceptionHandler?: ProductionExceptionHandler;
  /** Serdes for sources and sinks given none (default.key.serde / default.value.serde). */
  readonly defaultKeySerde?: Serde<unknown>;
  readonly defaultValueSerde?: Serde<unknown>;
  readonly producer?: Partial<ProducerOptions>;
  readonly consumer?: Partial<ConsumerOptions>;
  /** Time and timers for the whole app; tests pass a VirtualScheduler. */
  readonly scheduler?: Scheduler;
  /** pino-compatible; default silent. */
  readonly logger?: StreamsLogger;
}

/** The config after validation: defaults filled in, commitIntervalMs worked out. */
export interface StreamsConfig extends Omit<SchemaConfig, 'deserializationExceptionHandler' | 'processingExceptionHandler' | 'productionExceptionHandler' | 'commitIntervalMs'> {
  readonly commitIntervalMs: number;
  readonly deserializationExceptionHandler: HandlerOption;
  readonly processingExceptionHandler: HandlerOption;
  readonly productionExceptionHandler: ProductionExceptionHandler;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  readonly scheduler: Scheduler | undefined;
  readonly logger: StreamsLogger | undefined;
}

const validate = ajv.compile<SchemaConfig>(STREAMS_CONFIG_SCHEMA);

/** Options outside the schema, and what each must be. */
const HOOKS = { defaultKeySerde: 'object', defaultValueSerde: 'object', scheduler: 'object', logger: 'object' } as const;

/**
 * Validates an app's options against the schema and fills in the defaults; the caller's object
 * is not modified. Throws ERR_STREAMS_INVALID_CONFIG naming every bad or unknown option.
 */
export function resolveStreamsConfig(options: StreamsOptions): StreamsConfig {
  if (typeof options !== 'object' || Array.isArray(options)) throw new StreamsError(StreamsErrorCode.INVALID_CONFIG, 'streams options must be an object');
  const data: Record<string, unknown> = {};
  const functions: Record<string, HandlerOption | ProductionExceptionHandler> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options) as [string, unknown][]) {
    if (value === undefined) continue;
    if (Object.hasOwn(HOOKS, name)) {
      if (typeof value !== 'object' || value === null) problems.push(`streams option ${name}: must be an object`);
      continue;
    }
    if ((name === 'deserializationExceptionHandler' || name === 'processingExceptionHandler' || name === 'productionExceptionHandler') && typeof value === 'function') {
      functions[name] = value as HandlerOption | ProductionExceptionHandler;
      continue;
    }
    // A copy through JSON: ajv's useDefaults writes into it, never into the caller's object.
    data[name] = name === 'producer' || name === 'consumer' ? value : (JSON.parse(JSON.stringify(value)) as unknown);
  }
  if (!validate(data)) problems.push(formatAjvErrors(validate.errors, 'streams options'));
  if (problems.length > 0) throw new StreamsError(StreamsErrorCode.INVALID_CONFIG, `invalid streams options: ${problems.join('; ')}`);
  const config = data as unknown as SchemaConfig;
  return {
    ...config,
    // Kafka's rule: exactly-once commits (and so makes output visible) far more often by default.
    commitIntervalMs: config.commitIntervalMs ?? (config.processingGuarantee === 'exactly_once_v2' ? 100 : 30_000),
    deserializationExceptionHandler: (functions['deserializationExceptionHandler'] as HandlerOption | undefined) ?? config.deserializationExceptionHandler,
    processingExceptionHandler: (functions['processingExceptionHandler'] as HandlerOption | undefined) ?? config.processingExceptionHandler,
    productionExceptionHandler: (functions['productionExceptionHandler'] as ProductionExceptionHandler | undefined) ?? config.productionExceptionHandler,
    defaultKeySerde: options.defaultKeySerde,
    defaultValueSerde: options.defaultValueSerde,
    scheduler: options.scheduler,
    logger: options.logger,
  };
}
