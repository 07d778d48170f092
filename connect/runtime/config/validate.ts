import type { ValidateFunction } from 'ajv';
import type { ConfigSchema, ConnectorPlugin, ConverterPlugin, JsonSchema, PredicatePlugin, TransformationPlugin } from '../../api/index.ts';
import { ajv, describeAjvError } from '../../../core/base/index.ts';
import type { ConfigKeyInfo, ConfigInfos } from '../herder.ts';
import type { HeaderConverterPlugin, Plugins } from '../plugins.ts';
import { coerceConfig } from './coerce.ts';
import { COMMON_CONNECTOR_CONFIG_SCHEMA, CommonGroup, PREDICATE_KEY_SCHEMA, TRANSFORM_KEY_SCHEMA, isCommonKey } from './common-config.ts';
import type { CommonConnectorConfig } from './common-config.ts';

/** The worker's converter defaults (Kafka's worker key.converter/value.converter/header.converter). */
export interface ConverterDefaults {
  readonly keyConverter: string;
  readonly valueConverter: string;
  readonly headerConverter: string;
}

export interface ConfiguredPlugin<P> {
  readonly plugin: P;
  /** Its settings, the prefix removed, parsed, validated and with defaults. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ConfiguredTransform extends ConfiguredPlugin<TransformationPlugin> {
  readonly alias: string;
  readonly predicate: (ConfiguredPlugin<PredicatePlugin> & { readonly alias: string }) | undefined;
  readonly negate: boolean;
}

/** A connector config that passed validation, with every plugin it names resolved. */
export interface ValidConnectorConfig {
  readonly plugin: ConnectorPlugin;
  readonly common: CommonConnectorConfig;
  /** What the connector's start() gets: its own keys (the common ones removed), validated, with defaults. */
  readonly connector: Readonly<Record<string, unknown>>;
  readonly keyConverter: ConfiguredPlugin<ConverterPlugin>;
  readonly valueConverter: ConfiguredPlugin<ConverterPlugin>;
  readonly headerConverter: ConfiguredPlugin<HeaderConverterPlugin>;
  readonly transforms: readonly ConfiguredTransform[];
}

/** One setting as the validate endpoint reports it. */
export interface FieldReport {
  readonly definition: ConfigKeyInfo;
  readonly value: string | null;
  readonly errors: string[];
}

export interface ValidationOutcome {
  /** Set when there are no errors. */
  readonly valid: ValidConnectorConfig | undefined;
  readonly fields: readonly FieldReport[];
  readonly errorCount: number;
}

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Validates a parsed copy of `raw` (ajv fills defaults into it) and adds each error to its key. */
function check(schema: JsonSchema, raw: Readonly<Record<string, string>>, prefix: string, errors: Map<string, string[]>): Record<string, unknown> {
  const data = coerceConfig(schema, raw);
  const validate = validatorFor(schema);
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const { path, problem, unknown } = describeAjvError(error);
      const key = `${prefix}${path[0] ?? ''}`;
      const rest = path.slice(1);
      addError(errors, key, unknown ? `unknown config "${key}"` : `${rest.length > 0 ? `${rest.join('.')}: ` : ''}${problem}`);
    }
  }
  return data;
}

function addError(errors: Map<string, string[]>, key: string, message: string): void {
  const list = errors.get(key);
  if (list === undefined) errors.set(key, [message]);
  else if (!list.includes(message)) list.push(message);
}

/** The keys under `prefix`, the prefix removed. */
export function subConfig(raw: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(prefix) && key.length > prefix.length) out[key.slice(prefix.length)] = value;
  }
  return out;
}

function only(raw: Readonly<Record<string, string>>, keep: (key: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (keep(key)) out[key] = value;
  return out;
}

/**
 * Validates a connector config (Kafka's flat string map) against the common schema, the
 * connector's schema and the schema of every converter, transform and predicate it names.
 * Errors are collected per key, so the validate endpoint and a 400 can name every bad field.
 */
export function validateConnectorConfig(plugins: Plugins, defaults: ConverterDefaults, raw: Readonly<Record<string, string>>): ValidationOutcome {
  const errors = new Map<string, string[]>();
  const definitions: ConfigKeyInfo[] = [];
  const define = (schema: ConfigSchema, prefix: string, group: string | null): void => {
    definitions.push(...configKeyInfos(schema, prefix, group));
  };

  define(COMMON_CONNECTOR_CONFIG_SCHEMA, '', CommonGroup.COMMON);
  const common = check(COMMON_CONNECTOR_CONFIG_SCHEMA, only(raw, (k) => Object.hasOwn(COMMON_CONNECTOR_CONFIG_SCHEMA.properties, k)), '', errors) as CommonConnectorConfig;

  const className = raw['connector.class'];
  const plugin = className === undefined ? undefined : plugins.connector(className.trim());
  if (className !== undefined && plugin === undefined) {
    const available = plugins.connectorPlugins.map((p) => p.className).join(', ');
    addError(errors, 'connector.class', `Failed to find any class that implements Connector and which name matches ${className}, available connectors are: ${available}`);
  }

  let connectorConfig: Record<string, unknown> = {};
  if (plugin !== undefined) {
    define(plugin.configSchema, '', plugin.className);
    connectorConfig = check(plugin.configSchema, only(raw, (k) => !isCommonKey(k)), '', errors);
    if (plugin.type === 'sink') {
      const hasTopics = (common.topics?.length ?? 0) > 0;
      const hasRegex = common['topics.regex'] !== undefined;
      if (hasTopics === hasRegex) {
        const message = hasTopics ? 'topics and topics.regex are mutually exclusive.' : 'Must configure one of topics or topics.regex';
        addError(errors, 'topics', message);
        addError(errors, 'topics.regex', message);
      }
      const dlq = common['errors.deadletterqueue.topic.name'];
      if (dlq !== '' && common.topics?.includes(dlq) === true) {
        addError(errors, 'errors.deadletterqueue.topic.name', `The DLQ topic '${dlq}' may not be included in the list of topics ('topics') to be consumed.`);
      }
    }
  }

  const converter = <P extends { configSchema: ConfigSchema }>(key: string, name: string, find: (n: string) => P | undefined): ConfiguredPlugin<P> | undefined => {
    const found = find(name.trim());
    if (found === undefined) {
      addError(errors, key, `Class ${name} could not be found.`);
      return undefined;
    }
    return { plugin: found, config: check(found.configSchema, subConfig(raw, `${key}.`), `${key}.`, errors) };
  };
  const keyConverter = converter('key.converter', common['key.converter'] ?? defaults.keyConverter, (n) => plugins.converter(n));
  const valueConverter = converter('value.converter', common['value.converter'] ?? defaults.valueConverter, (n) => plugins.converter(n));
  const headerConverter = converter('header.converter', common['header.converter'] ?? defaults.headerConverter, (n) => plugins.headerConverter(n));

  const aliases = (key: 'transforms' | 'predicates'): string[] => (Array.isArray(common[key]) ? common[key] : []);
  const predicateAliases = new Set(aliases('predicates'));
  const predicates = new Map<string, ConfiguredPlugin<PredicatePlugin>>();
  for (const alias of predicateAliases) {
    const prefix = `predicates.${alias}.`;
    define(PREDICATE_KEY_SCHEMA, prefix, `${CommonGroup.PREDICATES}: ${alias}`);
    const type = raw[`${prefix}type`];
    if (type === undefined) {
      addError(errors, `${prefix}type`, 'Missing required configuration "' + `${prefix}type` + '" which has no default value.');
      continue;
    }
    const found = plugins.predicate(type.trim());
    if (found === undefined) {
      addError(errors, `${prefix}type`, `Class ${type} could not be found.`);
      continue;
    }
    define(found.configSchema, prefix, `${CommonGroup.PREDICATES}: ${alias}`);
    predicates.set(alias, { plugin: found, config: check(found.configSchema, only(subConfig(raw, prefix), (k) => k !== 'type'), prefix, errors) });
  }

  const transforms: ConfiguredTransform[] = [];
  for (const alias of aliases('transforms')) {
    const prefix = `transforms.${alias}.`;
    const group = `${CommonGroup.TRANSFORMS}: ${alias}`;
    define(TRANSFORM_KEY_SCHEMA, prefix, group);
    const sub = subConfig(raw, prefix);
    const keys = check(TRANSFORM_KEY_SCHEMA, only(sub, (k) => k === 'type' || k === 'predicate' || k === 'negate'), prefix, errors);
    const type = sub['type'];
    if (type === undefined) continue;
    const found = plugins.transformation(type.trim());
    if (found === undefined) {
      addError(errors, `${prefix}type`, `Class ${type} could not be found.`);
      continue;
    }
    define(found.configSchema, prefix, group);
    const config = check(found.configSchema, only(sub, (k) => k !== 'type' && k !== 'predicate' && k !== 'negate'), prefix, errors);
    const predicateAlias = typeof keys['predicate'] === 'string' ? keys['predicate'] : undefined;
    let predicate: ConfiguredTransform['predicate'];
    if (predicateAlias !== undefined) {
      const configured = predicates.get(predicateAlias);
      if (configured !== undefined) predicate = { ...configured, alias: predicateAlias };
      else if (!predicateAliases.has(predicateAlias)) addError(errors, `${prefix}predicate`, `Predicate '${predicateAlias}' is not defined in 'predicates'.`);
    }
    transforms.push({ alias, plugin: found, config, predicate, negate: keys['negate'] === true });
  }

  // A key no schema defines is still reported, so the endpoint shows everything the user sent.
  const defined = new Set(definitions.map((d) => d.name));
  for (const key of Object.keys(raw)) if (!defined.has(key)) definitions.push(undefinedKey(key));

  const fields = definitions.map((definition): FieldReport => ({ definition, value: raw[definition.name] ?? null, errors: errors.get(definition.name) ?? [] }));
  for (const [key, list] of errors) if (!defined.has(key) && !Object.hasOwn(raw, key)) fields.push({ definition: undefinedKey(key), value: null, errors: list });
  const errorCount = fields.reduce((n, f) => n + f.errors.length, 0);
  const valid =
    errorCount === 0 && plugin !== undefined && keyConverter !== undefined && valueConverter !== undefined && headerConverter !== undefined
      ? { plugin, common, connector: connectorConfig, keyConverter, valueConverter, headerConverter, transforms }
      : undefined;
  return { valid, fields, errorCount };
}

/** Kafka's ConfigInfos body. Secrets in values are masked. */
export function toConfigInfos(name: string, outcome: ValidationOutcome): ConfigInfos {
  const groups: string[] = [];
  for (const f of outcome.fields) if (f.definition.group !== null && !groups.includes(f.definition.group)) groups.push(f.definition.group);
  return {
    name,
    error_count: outcome.errorCount,
    groups,
    configs: outcome.fields.map((f) => ({
      definition: f.definition,
      value: {
        name: f.definition.name,
        value: f.definition.type === 'PASSWORD' && f.value !== null ? HIDDEN : f.value,
        recommended_values: recommendedValues(f.definition),
        errors: f.errors,
        visible: true,
      },
    })),
  };
}

/** Kafka's message for a config that fails validation, naming each field. */
export function describeInvalid(outcome: ValidationOutcome, plugin: string): string {
  const lines: string[] = [];
  for (const f of outcome.fields) for (const e of f.errors) lines.push(`${f.definition.name}: ${e}`);
  return `Connector configuration is invalid and contains the following ${outcome.errorCount} error(s):\n${lines.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/${plugin}/config/validate\``;
}

/** What Kafka prints for a Password value. */
export const HIDDEN = '[hidden]';

const enums = new Map<string, readonly string[]>();

function recommendedValues(definition: ConfigKeyInfo): string[] {
  return [...(enums.get(definition.name) ?? [])];
}

function undefinedKey(name: string): ConfigKeyInfo {
  return {
    name,
    type: 'STRING',
    required: false,
    default_value: null,
    importance: 'LOW',
    documentation: '',
    group: null,
    order_in_group: -1,
    width: 'NONE',
    display_name: name,
    dependents: [],
  };
}

/** Kafka's ConfigKeyInfo for each property of a JSON Schema. */
export function configKeyInfos(schema: ConfigSchema, prefix: string, group: string | null): ConfigKeyInfo[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([key, property], order): ConfigKeyInfo => {
    const name = `${prefix}${key}`;
    const values = Array.isArray(property['enum']) ? (property['enum'] as unknown[]).map(String) : undefined;
    if (values !== undefined) enums.set(name, values);
    const def = property['default'];
    return {
      name,
      type: kafkaType(property),
      required: required.has(key),
      default_value: def === undefined ? null : Array.isArray(def) ? def.map(String).join(',') : configText(def),
      importance: required.has(key) ? 'HIGH' : 'MEDIUM',
      documentation: typeof property['description'] === 'string' ? property['description'] : '',
      group,
      order_in_group: group === null ? -1 : order + 1,
      width: 'NONE',
      display_name: typeof property['title'] === 'string' ? property['title'] : name,
      dependents: [],
    };
  });
}

/** A default value as Kafka prints it: lists comma-separated, everything else as text. */
function configText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function kafkaType(property: JsonSchema): string {
  if (property['writeOnly'] === true) return 'PASSWORD';
  const type = Array.isArray(property['type']) ? (property['type'] as unknown[])[0] : property['type'];
  switch (type) {
    case 'integer':
      return typeof property['maximum'] === 'number' && property['maximum'] <= 2_147_483_647 ? 'INT' : 'LONG';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'array':
      return 'LIST';
    default:
      return 'STRING';
  }
}
