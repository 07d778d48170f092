import type { SinkConnector, SourceConnector } from './connector.ts';
import type { Converter } from './converter.ts';
import type { Predicate, Transformation } from './transformation.ts';

/** A JSON Schema (draft 7, as the shared ajv reads it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * The JSON Schema of a plugin's config: an object schema whose properties are Kafka's dotted
 * config names (`file`, `batch.size`, `database.password`...). Conventions the runtime relies on:
 * - defaults live in the schema (`default`), ajv fills them in;
 * - values arrive as strings, as in Kafka (`"batch.size": "2000"`); the runtime turns a string
 *   into the property's type before validation (integer, number, boolean, and a comma-separated
 *   list for an array of strings, as Kafka's LIST type), so `2000` and `"2000"` both work;
 * - `writeOnly: true` marks a secret (Kafka's PASSWORD type): masked in REST responses and logs;
 * - `description` is the documentation the validate endpoint shows; `title` its display name;
 * - the common connector settings (name, connector.class, tasks.max, converters, transforms.*,
 *   predicates.*, errors.*, topics for sinks) are the runtime's: leave them out. A schema may set
 *   `additionalProperties: false` to catch misspelt keys; the common ones are removed first.
 */
export interface ConfigSchema extends JsonSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
}

interface PluginDescriptor {
  /** The canonical class name: Brook's short name (`file-source`) or Kafka's class name. */
  readonly className: string;
  /** Other names `connector.class` (or `transforms.x.type`) may use: Kafka's and Debezium's class names. */
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSchema: ConfigSchema;
  /** Settings that name files on the worker's disk: the worker confines them to its allowed paths. */
  readonly pathSettings?: readonly string[];
}

/** A source connector class in the worker's fixed registry. */
export interface SourceConnectorPlugin<Config = Readonly<Record<string, unknown>>> extends PluginDescriptor {
  readonly type: 'source';
  create(): SourceConnector<Config>;
}

/** A sink connector class in the worker's fixed registry. */
export interface SinkConnectorPlugin<Config = Readonly<Record<string, unknown>>> extends PluginDescriptor {
  readonly type: 'sink';
  create(): SinkConnector<Config>;
}

/**
 * A connector class: what `connector.class` names. The worker takes a list of these in its
 * constructor (the CLI passes Brook's connectors), never loads code from a config.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds plugins of every config type; each validates its own config.
export type ConnectorPlugin = SourceConnectorPlugin<any> | SinkConnectorPlugin<any>;

export interface TransformationPlugin extends PluginDescriptor {
  readonly type: 'transformation';
  create(): Transformation;
}

export interface PredicatePlugin extends PluginDescriptor {
  readonly type: 'predicate';
  create(): Predicate;
}

export interface ConverterPlugin extends PluginDescriptor {
  readonly type: 'converter';
  create(): Converter;
}
