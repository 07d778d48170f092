import type { ConfigSchema, ConnectorPlugin, ConverterPlugin, Converter, HeaderConverter, PredicatePlugin, Transformation, TransformationPlugin } from '../api/index.ts';
import { ByteArrayConverter, BYTE_ARRAY_CONVERTER_CONFIG_SCHEMA } from './converters/byte-array-converter.ts';
import { JSON_CONVERTER_CONFIG_SCHEMA, JsonConverter } from './converters/json-converter.ts';
import { SIMPLE_HEADER_CONVERTER_CONFIG_SCHEMA, SimpleHeaderConverter } from './converters/simple-header-converter.ts';
import { STRING_CONVERTER_CONFIG_SCHEMA, StringConverter } from './converters/string-converter.ts';
import type { PluginInfo } from './herder.ts';
import { CAST_CONFIG_SCHEMA, Cast } from './transforms/cast.ts';
import { EXTRACT_FIELD_CONFIG_SCHEMA, ExtractField } from './transforms/extract-field.ts';
import { FILTER_CONFIG_SCHEMA, Filter } from './transforms/filter.ts';
import { INSERT_FIELD_CONFIG_SCHEMA, InsertField } from './transforms/insert-field.ts';
import { MASK_FIELD_CONFIG_SCHEMA, MaskField } from './transforms/mask-field.ts';
import {
  HAS_HEADER_KEY_CONFIG_SCHEMA,
  HasHeaderKey,
  RECORD_IS_TOMBSTONE_CONFIG_SCHEMA,
  RecordIsTombstone,
  TOPIC_NAME_MATCHES_CONFIG_SCHEMA,
  TopicNameMatches,
} from './transforms/predicates.ts';
import { KEY, VALUE } from './transforms/record-part.ts';
import type { RecordPart } from './transforms/record-part.ts';
import { REGEX_ROUTER_CONFIG_SCHEMA, RegexRouter } from './transforms/regex-router.ts';
import { REPLACE_FIELD_CONFIG_SCHEMA, ReplaceField } from './transforms/replace-field.ts';
import { TIMESTAMP_ROUTER_CONFIG_SCHEMA, TimestampRouter } from './transforms/timestamp-router.ts';
import { VALUE_TO_KEY_CONFIG_SCHEMA, ValueToKey } from './transforms/value-to-key.ts';

/** A header converter class (Kafka's header.converter). */
export interface HeaderConverterPlugin {
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSchema: ConfigSchema;
  readonly type: 'header_converter';
  create(): HeaderConverter;
}

const TRANSFORMS = 'org.apache.kafka.connect.transforms.';
const PREDICATES = 'org.apache.kafka.connect.transforms.predicates.';

/** The transforms Brook ships, by Kafka's class names; the simple name is an alias, as in Kafka 3.x. */
function builtInTransforms(version: string): TransformationPlugin[] {
  const plugin = (simpleName: string, configSchema: ConfigSchema, create: () => Transformation): TransformationPlugin => ({
    className: `${TRANSFORMS}${simpleName}`,
    aliases: [simpleName],
    type: 'transformation',
    version,
    configSchema,
    create,
  });
  const keyValue = (simpleName: string, configSchema: ConfigSchema, create: (part: RecordPart) => Transformation): TransformationPlugin[] => [
    plugin(`${simpleName}$Key`, configSchema, () => create(KEY)),
    plugin(`${simpleName}$Value`, configSchema, () => create(VALUE)),
  ];
  return [
    ...keyValue('Cast', CAST_CONFIG_SCHEMA, (p) => new Cast(p)),
    ...keyValue('ExtractField', EXTRACT_FIELD_CONFIG_SCHEMA, (p) => new ExtractField(p)),
    plugin('Filter', FILTER_CONFIG_SCHEMA, () => new Filter()),
    ...keyValue('InsertField', INSERT_FIELD_CONFIG_SCHEMA, (p) => new InsertField(p)),
    ...keyValue('MaskField', MASK_FIELD_CONFIG_SCHEMA, (p) => new MaskField(p)),
    plugin('RegexRouter', REGEX_ROUTER_CONFIG_SCHEMA, () => new RegexRouter()),
    ...keyValue('ReplaceField', REPLACE_FIELD_CONFIG_SCHEMA, (p) => new ReplaceField(p)),
    plugin('TimestampRouter', TIMESTAMP_ROUTER_CONFIG_SCHEMA, () => new TimestampRouter()),
    plugin('ValueToKey', VALUE_TO_KEY_CONFIG_SCHEMA, () => new ValueToKey()),
  ];
}

function builtInPredicates(version: string): PredicatePlugin[] {
  const plugin = (simpleName: string, configSchema: ConfigSchema, create: PredicatePlugin['create']): PredicatePlugin => ({
    className: `${PREDICATES}${simpleName}`,
    aliases: [simpleName],
    type: 'predicate',
    version,
    configSchema,
    create,
  });
  return [
    plugin('HasHeaderKey', HAS_HEADER_KEY_CONFIG_SCHEMA, () => new HasHeaderKey()),
    plugin('RecordIsTombstone', RECORD_IS_TOMBSTONE_CONFIG_SCHEMA, () => new RecordIsTombstone()),
    plugin('TopicNameMatches', TOPIC_NAME_MATCHES_CONFIG_SCHEMA, () => new TopicNameMatches()),
  ];
}

/** Kafka's converters; "JsonConverter" and "Json" are aliases, as Kafka's plugin aliases allow. */
function builtInConverters(version: string): ConverterPlugin[] {
  const plugin = (className: string, simpleName: string, configSchema: ConfigSchema, create: () => Converter): ConverterPlugin => ({
    className,
    aliases: [simpleName, simpleName.replace(/Converter$/, '')],
    type: 'converter',
    version,
    configSchema,
    create,
  });
  return [
    plugin('org.apache.kafka.connect.converters.ByteArrayConverter', 'ByteArrayConverter', BYTE_ARRAY_CONVERTER_CONFIG_SCHEMA, () => new ByteArrayConverter()),
    plugin('org.apache.kafka.connect.json.JsonConverter', 'JsonConverter', JSON_CONVERTER_CONFIG_SCHEMA, () => new JsonConverter()),
    plugin('org.apache.kafka.connect.storage.StringConverter', 'StringConverter', STRING_CONVERTER_CONFIG_SCHEMA, () => new StringConverter()),
  ];
}

function builtInHeaderConverters(version: string): HeaderConverterPlugin[] {
  const plugin = (className: string, simpleName: string, configSchema: ConfigSchema, create: () => HeaderConverter): HeaderConverterPlugin => ({
    className,
    aliases: [simpleName, simpleName.replace(/Converter$/, '')],
    type: 'header_converter',
    version,
    configSchema,
    create,
  });
  return [
    plugin('org.apache.kafka.connect.storage.SimpleHeaderConverter', 'SimpleHeaderConverter', SIMPLE_HEADER_CONVERTER_CONFIG_SCHEMA, () => new SimpleHeaderConverter()),
    plugin('org.apache.kafka.connect.json.JsonConverter', 'JsonConverter', JSON_CONVERTER_CONFIG_SCHEMA, () => new JsonConverter()),
    plugin('org.apache.kafka.connect.storage.StringConverter', 'StringConverter', STRING_CONVERTER_CONFIG_SCHEMA, () => new StringConverter()),
    plugin('org.apache.kafka.connect.converters.ByteArrayConverter', 'ByteArrayConverter', BYTE_ARRAY_CONVERTER_CONFIG_SCHEMA, () => new ByteArrayConverter()),
  ];
}

interface Named {
  readonly className: string;
  readonly aliases: readonly string[];
}

function index<T extends Named>(kind: string, plugins: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const plugin of plugins) {
    for (const name of [plugin.className, ...plugin.aliases]) {
      const other = byName.get(name);
      if (other !== undefined && other !== plugin) throw new Error(`two ${kind} plugins are named "${name}": ${other.className} and ${plugin.className}`);
      byName.set(name, plugin);
    }
  }
  return byName;
}

/**
 * The fixed registry of plugin classes. Connector plugins come from the caller (the CLI wires
 * Brook's connectors in; connect/runtime never imports connectors/), and so do transforms a
 * connector brings (Debezium's); Kafka's transforms, predicates and converters are the runtime's
 * own. A name two plugins of a kind share is refused. Nothing here loads code named by a config.
 */
export class Plugins {
  readonly connectorPlugins: readonly ConnectorPlugin[];
  private readonly transforms: readonly TransformationPlugin[];
  private readonly predicates: readonly PredicatePlugin[];
  private readonly converters: readonly ConverterPlugin[];
  private readonly headerConverters: readonly HeaderConverterPlugin[];
  private readonly connectorsByName: Map<string, ConnectorPlugin>;
  private readonly transformsByName: Map<string, TransformationPlugin>;
  private readonly predicatesByName: Map<string, PredicatePlugin>;
  private readonly convertersByName: Map<string, ConverterPlugin>;
  private readonly headerConvertersByName: Map<string, HeaderConverterPlugin>;

  constructor(connectors: readonly ConnectorPlugin[], version: string, transforms: readonly TransformationPlugin[] = []) {
    this.connectorPlugins = connectors;
    this.transforms = [...builtInTransforms(version), ...transforms];
    this.predicates = builtInPredicates(version);
    this.converters = builtInConverters(version);
    this.headerConverters = builtInHeaderConverters(version);
    this.connectorsByName = index('connector', connectors);
    this.transformsByName = index('transformation', this.transforms);
    this.predicatesByName = index('predicate', this.predicates);
    this.convertersByName = index('converter', this.converters);
    this.headerConvertersByName = index('header converter', this.headerConverters);
  }

  connector(name: string): ConnectorPlugin | undefined {
    return this.connectorsByName.get(name);
  }

  transformation(name: string): TransformationPlugin | undefined {
    return this.transformsByName.get(name);
  }

  predicate(name: string): PredicatePlugin | undefined {
    return this.predicatesByName.get(name);
  }

  converter(name: string): ConverterPlugin | undefined {
    return this.convertersByName.get(name);
  }

  headerConverter(name: string): HeaderConverterPlugin | undefined {
    return this.headerConvertersByName.get(name);
  }

  /** Any plugin by name, for GET /connector-plugins/{plugin}/config. */
  any(name: string): { readonly className: string; readonly configSchema: ConfigSchema; readonly type: PluginInfo['type'] } | undefined {
    return this.connector(name) ?? this.transformation(name) ?? this.predicate(name) ?? this.converter(name) ?? this.headerConverter(name);
  }

  /** GET /connector-plugins: each plugin by its Java class name where it has one, as Kafka lists it; connectors, then (unless connectorsOnly) the other kinds, sorted by class. */
  list(connectorsOnly: boolean): PluginInfo[] {
    const info = (p: { className: string; aliases: readonly string[]; type: PluginInfo['type']; version: string }): PluginInfo => ({ class: javaClassName(p), type: p.type, version: p.version });
    const byClass = (a: PluginInfo, b: PluginInfo): number => a.class.localeCompare(b.class);
    // A connector that stands in for several Java classes (Debezium's MySqlConnector and
    // MariaDbConnector) is listed under each, as a Kafka worker with both plugins lists both.
    const out: PluginInfo[] = this.connectorPlugins.flatMap((p) => javaClassNames(p).map((name) => ({ class: name, type: p.type, version: p.version }))).sort(byClass);
    if (connectorsOnly) return out;
    for (const group of [this.transforms, this.predicates, this.converters, this.headerConverters]) out.push(...group.map(info).sort(byClass));
    return out;
  }
}

/**
 * The fully qualified Java class name a plugin answers to (Kafka lists plugins by it, and tools
 * match on it), else Brook's own name.
 */
export function javaClassName(plugin: { readonly className: string; readonly aliases: readonly string[] }): string {
  if (plugin.className.includes('.')) return plugin.className;
  return plugin.aliases.find((alias) => alias.includes('.')) ?? plugin.className;
}

/** Every fully qualified Java class name a plugin answers to, else Brook's own name. */
function javaClassNames(plugin: { readonly className: string; readonly aliases: readonly string[] }): string[] {
  const qualified = [plugin.className, ...plugin.aliases].filter((name) => name.includes('.'));
  return qualified.length > 0 ? qualified : [plugin.className];
}
