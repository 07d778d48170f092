import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema } from '../../api/index.ts';

const list = (description: string) => ({ type: 'array', items: { type: 'string', minLength: 1 }, description }) as const;

/**
 * The settings every connector has (Kafka's ConnectorConfig and SinkConnectorConfig), with Kafka's
 * names and defaults. Keys under `key.converter.`, `value.converter.`, `header.converter.`,
 * `transforms.<alias>.` and `predicates.<alias>.` are validated against the named plugin's schema.
 */
export const COMMON_CONNECTOR_CONFIG_SCHEMA = {
  type: 'object',
  required: ['name', 'connector.class'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Globally unique name to use for this connector.' },
    'connector.class': {
      type: 'string',
      minLength: 1,
      description: 'Name of the class for this connector: Brook\'s short name (file-source) or the Kafka/Debezium class name, or an alias of it.',
    },
    'tasks.max': { type: 'integer', minimum: 1, default: 1, description: 'Maximum number of tasks to use for this connector.' },
    'tasks.max.enforce': {
      type: 'boolean',
      default: true,
      description: 'Whether a connector that generates more task configs than tasks.max fails (true) or keeps running with the surplus tasks (false).',
    },
    'key.converter': { type: 'string', minLength: 1, description: 'Converter class for the keys of this connector\'s records; default: the worker\'s.' },
    'value.converter': { type: 'string', minLength: 1, description: 'Converter class for the values of this connector\'s records; default: the worker\'s.' },
    'header.converter': {
      type: 'string',
      minLength: 1,
      description: 'HeaderConverter class for the header values of this connector\'s records; default: the worker\'s.',
    },
    'config.action.reload': {
      enum: ['none', 'restart'],
      default: 'restart',
      description: 'What to do when external config providers change a value (accepted for compatibility; Brook has no config providers).',
    },
    transforms: { ...list('Aliases for the transformations to be applied to records, in order.'), default: [] },
    predicates: { ...list('Aliases for the predicates used by transformations.'), default: [] },
    'errors.retry.timeout': {
      type: 'integer',
      minimum: -1,
      default: 0,
      description: 'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.',
    },
    'errors.retry.delay.max.ms': {
      type: 'integer',
      minimum: 0,
      default: 60_000,
      description: 'The maximum duration in milliseconds between consecutive retry attempts.',
    },
    'errors.tolerance': {
      enum: ['none', 'all'],
      default: 'none',
      description: 'Behavior for tolerating errors during connector operation. none: an error results in an immediate task failure; all: problematic records are skipped.',
    },
    'errors.log.enable': { type: 'boolean', default: false, description: 'Log each error, with the failed operation and problematic record.' },
    'errors.log.include.messages': {
      type: 'boolean',
      default: false,
      description: 'Whether to include in the log the connect record that resulted in a failure (secrets are never logged).',
    },
    'errors.deadletterqueue.topic.name': {
      type: 'string',
      default: '',
      description: 'The name of the topic to be used as the dead letter queue (DLQ) for records that fail in conversion, transformation or put. Empty: no DLQ.',
    },
    'errors.deadletterqueue.topic.replication.factor': {
      type: 'integer',
      minimum: -1,
      default: 3,
      description: 'Replication factor used to create the dead letter queue topic when it doesn\'t already exist (capped by the cluster\'s size).',
    },
    'errors.deadletterqueue.context.headers.enable': {
      type: 'boolean',
      default: false,
      description: 'If true, add headers containing error context (__connect.errors.*) to the messages written to the dead letter queue.',
    },
    topics: list('Sink connectors: the topics to consume.'),
    'topics.regex': { type: 'string', minLength: 1, description: 'Sink connectors: a regular expression for the topics to consume.' },
  },
} as const satisfies ConfigSchema;

export type CommonConnectorConfig = FromSchema<typeof COMMON_CONNECTOR_CONFIG_SCHEMA>;

/** The groups of the validate endpoint, as Kafka names them. */
export const CommonGroup = {
  COMMON: 'Common',
  TRANSFORMS: 'Transforms',
  PREDICATES: 'Predicates',
  ERRORS: 'Error Handling',
} as const;

export const TRANSFORM_KEY_SCHEMA = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', minLength: 1, description: 'Class for the transformation.' },
    predicate: { type: 'string', minLength: 1, description: 'The alias of a predicate used to determine whether to apply this transformation.' },
    negate: { type: 'boolean', default: false, description: 'Whether the configured predicate should be negated.' },
  },
} as const satisfies ConfigSchema;

export const PREDICATE_KEY_SCHEMA = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', minLength: 1, description: 'Class for the predicate.' } },
} as const satisfies ConfigSchema;

/** Config keys owned by the runtime, not by the connector. */
export function isCommonKey(key: string): boolean {
  return (
    Object.hasOwn(COMMON_CONNECTOR_CONFIG_SCHEMA.properties, key) ||
    key.startsWith('key.converter.') ||
    key.startsWith('value.converter.') ||
    key.startsWith('header.converter.') ||
    key.startsWith('transforms.') ||
    key.startsWith('predicates.') ||
    // The worker applies these to the task's clients (client-overrides.ts checks them).
    key.startsWith('producer.override.') ||
    key.startsWith('consumer.override.')
  );
}
