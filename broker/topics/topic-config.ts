import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { DEFAULT_LOG_CONFIG, FlushPolicy, LogError, LogErrorCode } from '../../core/log/index.ts';
import type { LogConfig } from '../../core/log/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import type { ErrorObject } from 'ajv';
import { ajv, describeAjvError } from '../../core/base/index.ts';

/*
 * Topic configs travel on the wire (CreateTopics, AlterConfigs, DescribeConfigs) as
 * name → string, with Kafka's names. They are stored the same way, normalised, so that what
 * DescribeConfigs returns is what was validated. The schema below is the one definition of
 * which configs exist and which values they take; the string parsers read their kind from it.
 */

const INT32_MAX = 2_147_483_647;
/** Kafka's Long.MAX_VALUE, the "never" of its time and count configs. */
export const LONG_MAX = '9223372036854775807';

// Kafka's ThrottledReplicaListValidator: "*" or partition:broker pairs.
const THROTTLED_REPLICAS = {
  type: 'array',
  items: { type: 'string', pattern: '^(\\*|[0-9]+:[0-9]+)$' },
} as const;

/**
 * Every topic-level config Kafka 3.x defines (LogConfig), in name order, which is the order
 * kafka-configs prints them in. Integer properties with a `maximum` or an `enum` are Kafka INTs, the
 * others LONGs (their 64-bit range is checked on the decimal string, since a double cannot
 * hold it exactly). No `default` keywords: the shared ajv fills defaults in, and a stored
 * override set must hold only what was set; Kafka's defaults are in TOPIC_CONFIG_META.
 */
export const TOPIC_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'cleanup.policy': {
      description: 'delete (by time and size), compact (keep the latest record per key), or both',
      type: 'array',
      items: { type: 'string', enum: ['compact', 'delete'] },
      minItems: 1,
      uniqueItems: true,
    },
    'compression.gzip.level': { type: 'integer', enum: [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
    'compression.lz4.level': { type: 'integer', minimum: 1, maximum: 17 },
    'compression.type': { type: 'string', enum: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
    'compression.zstd.level': { type: 'integer', minimum: -131_072, maximum: 22 },
    'delete.retention.ms': { type: 'integer', minimum: 0 },
    'file.delete.delay.ms': { type: 'integer', minimum: 0 },
    'flush.messages': { type: 'integer', minimum: 1 },
    'flush.ms': { type: 'integer', minimum: 0 },
    'follower.replication.throttled.replicas': THROTTLED_REPLICAS,
    'index.interval.bytes': { type: 'integer', minimum: 0, maximum: INT32_MAX },
    'leader.replication.throttled.replicas': THROTTLED_REPLICAS,
    'local.retention.bytes': { type: 'integer', minimum: -2 },
    'local.retention.ms': { type: 'integer', minimum: -2 },
    'max.compaction.lag.ms': { type: 'integer', minimum: 1 },
    // Kafka allows 0, but no batch fits below the 61-byte batch header and the log refuses
    // such a config (resolveLogConfig), so it is refused here, where the client hears why.
    'max.message.bytes': { type: 'integer', minimum: 61, maximum: INT32_MAX },
    'message.downconversion.enable': { type: 'boolean' },
    // Kafka's MetadataVersion names; ignored since 3.0 (every batch is v2), but still accepted.
    'message.format.version': { type: 'string', pattern: '^(0\\.(8\\.[0-2]|9\\.0|10\\.[0-2]|11\\.0)|[1-3]\\.[0-9]+)(-IV[0-9]+)?$' },
    'message.timestamp.after.max.ms': { type: 'integer', minimum: 0 },
    'message.timestamp.before.max.ms': { type: 'integer', minimum: 0 },
    'message.timestamp.difference.max.ms': { type: 'integer', minimum: 0 },
    'message.timestamp.type': { type: 'string', enum: ['CreateTime', 'LogAppendTime'] },
    'min.cleanable.dirty.ratio': { type: 'number', minimum: 0, maximum: 1 },
    'min.compaction.lag.ms': { type: 'integer', minimum: 0 },
    'min.insync.replicas': { type: 'integer', minimum: 1, maximum: INT32_MAX },
    preallocate: { type: 'boolean' },
    'remote.log.copy.disable': { type: 'boolean' },
    'remote.log.delete.on.disable': { type: 'boolean' },
    'remote.storage.enable': { type: 'boolean' },
    // Any long, as in Kafka: every negative value means "no size limit".
    'retention.bytes': { type: 'integer' },
    'retention.ms': { type: 'integer', minimum: -1 },
    // Kafka's floor; index entries hold int32 positions, hence the ceiling.
    'segment.bytes': { type: 'integer', minimum: 14, maximum: INT32_MAX },
    'segment.index.bytes': { type: 'integer', minimum: 4, maximum: INT32_MAX },
    'segment.jitter.ms': { type: 'integer', minimum: 0 },
    'segment.ms': { type: 'integer', minimum: 1 },
    'unclean.leader.election.enable': { type: 'boolean' },
  },
} as const satisfies JSONSchema;

type ParsedTopicConfigs = FromSchema<typeof TOPIC_CONFIG_SCHEMA>;
export type TopicConfigName = keyof typeof TOPIC_CONFIG_SCHEMA.properties;

/** The stored form: validated, normalised values keyed by Kafka config name. */
export type TopicConfigs = Readonly<Record<string, string>>;

/**
 * What Kafka says about each config beyond its value rules: its default, and the broker
 * configs it inherits from (Kafka's synonyms, most specific first, each with the default
 * Kafka's broker gives it, or null when it has none and falls through to the next).
 */
interface ConfigMeta {
  readonly kafkaDefault: string;
  readonly synonyms: readonly (readonly [name: string, kafkaDefault: string | null])[];
}

export const TOPIC_CONFIG_META: Readonly<Record<TopicConfigName, ConfigMeta>> = {
  'cleanup.policy': { kafkaDefault: 'delete', synonyms: [['log.cleanup.policy', 'delete']] },
  'compression.gzip.level': { kafkaDefault: '-1', synonyms: [['compression.gzip.level', '-1']] },
  'compression.lz4.level': { kafkaDefault: '9', synonyms: [['compression.lz4.level', '9']] },
  'compression.type': { kafkaDefault: 'producer', synonyms: [['compression.type', 'producer']] },
  'compression.zstd.level': { kafkaDefault: '3', synonyms: [['compression.zstd.level', '3']] },
  'delete.retention.ms': { kafkaDefault: '86400000', synonyms: [['log.cleaner.delete.retention.ms', '86400000']] },
  'file.delete.delay.ms': { kafkaDefault: '60000', synonyms: [['log.segment.delete.delay.ms', '60000']] },
  'flush.messages': { kafkaDefault: LONG_MAX, synonyms: [['log.flush.interval.messages', LONG_MAX]] },
  'flush.ms': { kafkaDefault: LONG_MAX, synonyms: [['log.flush.interval.ms', null], ['log.flush.scheduler.interval.ms', LONG_MAX]] },
  'follower.replication.throttled.replicas': { kafkaDefault: '', synonyms: [] },
  'index.interval.bytes': { kafkaDefault: '4096', synonyms: [['log.index.interval.bytes', '4096']] },
  'leader.replication.throttled.replicas': { kafkaDefault: '', synonyms: [] },
  'local.retention.bytes': { kafkaDefault: '-2', synonyms: [['log.local.retention.bytes', '-2']] },
  'local.retention.ms': { kafkaDefault: '-2', synonyms: [['log.local.retention.ms', '-2']] },
  'max.compaction.lag.ms': { kafkaDefault: LONG_MAX, synonyms: [['log.cleaner.max.compaction.lag.ms', LONG_MAX]] },
  'max.message.bytes': { kafkaDefault: '1048588', synonyms: [['message.max.bytes', '1048588']] },
  'message.downconversion.enable': { kafkaDefault: 'true', synonyms: [['log.message.downconversion.enable', 'true']] },
  'message.format.version': { kafkaDefault: '3.0-IV1', synonyms: [['log.message.format.version', '3.0-IV1']] },
  'message.timestamp.after.max.ms': { kafkaDefault: LONG_MAX, synonyms: [['log.message.timestamp.after.max.ms', LONG_MAX]] },
  'message.timestamp.before.max.ms': { kafkaDefault: LONG_MAX, synonyms: [['log.message.timestamp.before.max.ms', LONG_MAX]] },
  'message.timestamp.difference.max.ms': { kafkaDefault: LONG_MAX, synonyms: [['log.message.timestamp.difference.max.ms', LONG_MAX]] },
  'message.timestamp.type': { kafkaDefault: 'CreateTime', synonyms: [['log.message.timestamp.type', 'CreateTime']] },
  'min.cleanable.dirty.ratio': { kafkaDefault: '0.5', synonyms: [['log.cleaner.min.cleanable.ratio', '0.5']] },
  'min.compaction.lag.ms': { kafkaDefault: '0', synonyms: [['log.cleaner.min.compaction.lag.ms', '0']] },
  'min.insync.replicas': { kafkaDefault: '1', synonyms: [['min.insync.replicas', '1']] },
  preallocate: { kafkaDefault: 'false', synonyms: [['log.preallocate', 'false']] },
  'remote.log.copy.disable': { kafkaDefault: 'false', synonyms: [] },
  'remote.log.delete.on.disable': { kafkaDefault: 'false', synonyms: [] },
  'remote.storage.enable': { kafkaDefault: 'false', synonyms: [] },
  'retention.bytes': { kafkaDefault: '-1', synonyms: [['log.retention.bytes', '-1']] },
  'retention.ms': { kafkaDefault: '604800000', synonyms: [['log.retention.ms', null], ['log.retention.minutes', null], ['log.retention.hours', '168']] },
  'segment.bytes': { kafkaDefault: '1073741824', synonyms: [['log.segment.bytes', '1073741824']] },
  'segment.index.bytes': { kafkaDefault: '10485760', synonyms: [['log.index.size.max.bytes', '10485760']] },
  'segment.jitter.ms': { kafkaDefault: '0', synonyms: [['log.roll.jitter.ms', null], ['log.roll.jitter.hours', '0']] },
  'segment.ms': { kafkaDefault: '604800000', synonyms: [['log.roll.ms', null], ['log.roll.hours', '168']] },
  'unclean.leader.election.enable': { kafkaDefault: 'false', synonyms: [['unclean.leader.election.enable', 'false']] },
};

/**
 * Configs Brook accepts, stores and describes but that change nothing on a single node:
 * they are about replicas, tiered storage, old message formats or file-system tuning.
 */
export const STORED_ONLY_CONFIGS: readonly TopicConfigName[] = Object.freeze([
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.zstd.level',
  'follower.replication.throttled.replicas',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'message.downconversion.enable',
  'message.format.version',
  'preallocate',
  'remote.log.copy.disable',
  'remote.log.delete.on.disable',
  'remote.storage.enable',
  'unclean.leader.election.enable',
]);

/** Failures carry the wire error code a handler should answer with. */
export type TopicConfigResult =
  | { ok: true; configs: Record<string, string> }
  | { ok: false; message: string; errorCode: typeof ErrorCode.INVALID_CONFIG | typeof ErrorCode.INVALID_REQUEST };

/**
 * Where a described value comes from, as Kafka's ConfigSource says it: the topic's override,
 * the broker's config file or flags (a value other than Kafka's default), or Kafka's default.
 */
export type TopicConfigSource = 'topic' | 'broker' | 'default';

export interface TopicConfigSynonym {
  readonly name: string;
  readonly value: string;
  readonly source: TopicConfigSource;
}

export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  source: TopicConfigSource;
  /** The override (if any), then the broker settings behind it, most specific first. */
  synonyms: TopicConfigSynonym[];
  readOnly: false;
  sensitive: false;
}

/** Kafka's IncrementalAlterConfigs operation codes. */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type AlterConfigOp = (typeof AlterConfigOp)[keyof typeof AlterConfigOp];

/** min.insync.replicas is enforced by the broker on acks=all, not by the log. */
export const DEFAULT_MIN_INSYNC_REPLICAS = 1;

/** The view of a property schema the parsers need. */
interface PropertySchema {
  readonly type: 'integer' | 'number' | 'string' | 'array' | 'boolean';
  readonly maximum?: number;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly items?: { readonly enum?: readonly string[]; readonly pattern?: string };
}

const PROPERTIES: Readonly<Record<TopicConfigName, PropertySchema>> = TOPIC_CONFIG_SCHEMA.properties;

export const TOPIC_CONFIG_NAMES: readonly TopicConfigName[] = Object.freeze(Object.keys(PROPERTIES) as TopicConfigName[]);

const validateParsed = ajv.compile<ParsedTopicConfigs>(TOPIC_CONFIG_SCHEMA);

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(PROPERTIES, name);
}

function unknownName(name: string): string {
  return `Unknown topic config name: ${name}`;
}

/**
 * Kafka's ConfigException text, which admin tools show and scripts match: the value as the
 * validator saw it (the string as sent when it does not parse, the parsed number or list item
 * when a rule refuses it), the config's name, and the validator's own reason.
 */
function invalidValue(name: string, value: string, reason: string): string {
  return `Invalid value ${value} for configuration ${name}: ${reason}`;
}

/** How Kafka prints a list value (java.util.List#toString). */
function javaList(items: readonly unknown[]): string {
  return `[${items.map(String).join(', ')}]`;
}

/**
 * The reasons of Kafka's validators that are not ConfigDef.Range or ValidString, by config:
 * the gzip level's own validator, the throttled replica lists', the metadata version's.
 */
const THROTTLED_REPLICAS_REASON = "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
const SPECIAL_REASONS: Readonly<Partial<Record<TopicConfigName, (value: string) => string>>> = {
  'compression.gzip.level': () => 'Value must be between 1 and 9 or equal to -1',
  'follower.replication.throttled.replicas': () => `follower.replication.throttled.replicas ${THROTTLED_REPLICAS_REASON}`,
  'leader.replication.throttled.replicas': () => `leader.replication.throttled.replicas ${THROTTLED_REPLICAS_REASON}`,
  'message.format.version': (value) => `Version ${value} is not a valid version`,
};

type Parsed = { ok: true; value: number | string | string[] | boolean; normalised: string } | { ok: false; problem: string };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Kafka's list syntax: commas, with any whitespace around them.
const LIST_SEPARATOR = /\s*,\s*/;

function splitList(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(LIST_SEPARATOR);
}

/** Kafka's type names, as its "Not a number of type …" message prints them. */
function integerType(schema: PropertySchema): 'INT' | 'LONG' {
  return (schema.maximum !== undefined && schema.maximum <= INT32_MAX) || schema.enum !== undefined ? 'INT' : 'LONG';
}

/** Reads a wire string as the schema's type. Kafka trims every value before parsing it. */
function parseValue(schema: PropertySchema, raw: string): Parsed {
  const text = raw.trim();
  switch (schema.type) {
    case 'integer': {
      const type = integerType(schema);
      const limit = 1n << (type === 'INT' ? 31n : 63n);
      const big = INTEGER.test(text) ? BigInt(text) : undefined;
      if (big === undefined || big < -limit || big >= limit) return { ok: false, problem: `Not a number of type ${type}` };
      return { ok: true, value: Number(big), normalised: big.toString() };
    }
    case 'number': {
      const value = Number(text);
      if (!DECIMAL.test(text) || !Number.isFinite(value)) return { ok: false, problem: 'Not a number of type DOUBLE' };
      return { ok: true, value, normalised: String(value) };
    }
    case 'boolean': {
      // Kafka's ConfigDef: "true" or "false", in any case.
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return { ok: false, problem: 'Expected value to be either true or false' };
      return { ok: true, value: lower === 'true', normalised: lower };
    }
    case 'array': {
      // Kept in the order given, as Kafka keeps and describes it.
      const items = splitList(text);
      return { ok: true, value: items, normalised: items.join(',') };
    }
    case 'string':
      return { ok: true, value: text, normalised: text };
  }
}

/** Kafka's message for the first rule a config's parsed value breaks, from ajv's error. */
function ruleMessage(name: TopicConfigName, error: ErrorObject, value: unknown, normalised: string): string {
  const params = error.params as Record<string, unknown>;
  const [, index] = describeAjvError(error).path;
  const items = Array.isArray(value) ? (value as unknown[]) : undefined;
  const special = SPECIAL_REASONS[name];
  // A list's whole value, as Kafka prints it; a list item, for the validators that check
  // items one by one (ValidList); otherwise the parsed value.
  const shown = items !== undefined && special !== undefined ? javaList(items) : items !== undefined && index !== undefined ? String(items[Number(index)]) : normalised;
  if (special !== undefined) return invalidValue(name, shown, special(shown));
  switch (error.keyword) {
    case 'minimum':
      return invalidValue(name, shown, `Value must be at least ${String(params['limit'])}`);
    case 'maximum':
      return invalidValue(name, shown, `Value must be no more than ${String(params['limit'])}`);
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? (params['allowedValues'] as unknown[]) : [];
      return invalidValue(name, shown, `String must be one of: ${allowed.map(String).join(', ')}`);
    }
    // Kafka 4's ValidList words these two without the value.
    case 'minItems':
      return `Configuration '${name}' must not be empty. Valid values include: ${javaList(PROPERTIES[name].items?.enum ?? [])}`;
    case 'uniqueItems':
      return `Configuration '${name}' values must not be duplicated.`;
    default:
      return invalidValue(name, shown, describeAjvError(error).problem);
  }
}

/** Rules that span a value's items or two configs, which JSON Schema cannot say. */
function crossProblems(values: Record<string, unknown>, normalised: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const name of ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] as const) {
    const items = values[name];
    if (Array.isArray(items) && items.includes('*') && items.length > 1) {
      const shown = javaList(items as unknown[]);
      problems.push(invalidValue(name, shown, SPECIAL_REASONS[name]?.(shown) ?? ''));
    }
  }
  // Kafka's LogConfig.validateValues, word for word.
  const minLag = values['min.compaction.lag.ms'];
  const maxLag = values['max.compaction.lag.ms'];
  if (typeof minLag === 'number' && typeof maxLag === 'number' && BigInt(normalised['min.compaction.lag.ms'] ?? '0') > BigInt(normalised['max.compaction.lag.ms'] ?? LONG_MAX)) {
    problems.push(`conflict topic config setting min.compaction.lag.ms (${normalised['min.compaction.lag.ms']}) > max.compaction.lag.ms (${normalised['max.compaction.lag.ms']})`);
  }
  return problems;
}

type ParseAll = { ok: true; parsed: ParsedTopicConfigs; normalised: Record<string, string> } | { ok: false; problems: string[] };

/** Parses and validates complete name → value overrides (no nulls). */
function parseAll(entries: ReadonlyMap<string, string>): ParseAll {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const normalised: Record<string, string> = {};
  for (const [name, raw] of entries) {
    if (!isTopicConfigName(name)) {
      problems.push(unknownName(name));
      continue;
    }
    const parsed = parseValue(PROPERTIES[name], raw);
    if (!parsed.ok) {
      // Kafka shows the value as sent when it does not parse.
      problems.push(invalidValue(name, raw, parsed.problem));
      continue;
    }
    values[name] = parsed.value;
    normalised[name] = parsed.normalised;
  }
  const valid = validateParsed(values);
  if (!valid) {
    // One message per config, for the first rule it breaks, as Kafka's validator stops there.
    const reported = new Set<string>();
    for (const error of validateParsed.errors ?? []) {
      const [name = ''] = describeAjvError(error).path;
      if (reported.has(name) || !isTopicConfigName(name)) continue;
      reported.add(name);
      problems.push(ruleMessage(name, error, values[name], normalised[name] ?? ''));
    }
    if (reported.size === 0) problems.push(...(validateParsed.errors ?? []).map((error) => describeAjvError(error).problem));
  }
  if (problems.length === 0 && valid) problems.push(...crossProblems(values, normalised));
  if (problems.length > 0 || !valid) return { ok: false, problems };
  return { ok: true, parsed: values, normalised };
}

function failure(message: string, errorCode: typeof ErrorCode.INVALID_CONFIG | typeof ErrorCode.INVALID_REQUEST = ErrorCode.INVALID_CONFIG): TopicConfigResult {
  return { ok: false, message, errorCode };
}

/**
 * Validates a complete set of overrides (CreateTopics, legacy AlterConfigs). A null value
 * for a known name means "no override"; the last entry for a name wins.
 */
export function validateTopicConfigs(entries: Iterable<{ name: string; value: string | null }>): TopicConfigResult {
  const latest = new Map<string, string | null>();
  for (const { name, value } of entries) latest.set(name, value);
  const unknown = [...latest.keys()].filter((name) => !isTopicConfigName(name));
  if (unknown.length > 0) return failure(unknown.map(unknownName).join('; '));
  const present = new Map<string, string>();
  for (const [name, value] of latest) if (value !== null) present.set(name, value);
  const result = parseAll(present);
  if (!result.ok) return failure(result.problems.join('; '));
  return { ok: true, configs: result.normalised };
}

/** setTimeout's ceiling; a longer flush.ms is as good as never. */
const MAX_TIMER_MS = INT32_MAX;

/**
 * Kafka flushes a topic after flush.messages records or flush.ms milliseconds, whichever
 * comes first. Brook's policies are per append, per interval or never, so a topic that sets
 * either config gets the policy that keeps its promise (the one it leaves unset counts as
 * Kafka's default, never): flushing every message or every 0 ms is every-append; a time
 * bound is the interval policy; a count bound above 1 is every-append too (group commit
 * shares one fsync among concurrent appends), since nothing weaker keeps the bound.
 */
function flushSettings(messages: number | undefined, ms: number | undefined): Pick<LogConfig, 'flushPolicy'> & Partial<Pick<LogConfig, 'flushIntervalMs'>> {
  const countBound = messages !== undefined && messages < Number.MAX_SAFE_INTEGER;
  const timeBound = ms !== undefined && ms < Number.MAX_SAFE_INTEGER;
  if (messages === 1 || ms === 0) return { flushPolicy: FlushPolicy.EVERY_APPEND };
  if (timeBound) return { flushPolicy: FlushPolicy.INTERVAL, flushIntervalMs: Math.min(ms, MAX_TIMER_MS) };
  if (countBound) return { flushPolicy: FlushPolicy.EVERY_APPEND };
  return { flushPolicy: FlushPolicy.NONE };
}

/**
 * Reads stored overrides into log settings. They were validated when stored; a value that
 * no longer parses means the stored file was damaged, which is a fault, not a client error.
 */
export function toLogConfig(configs: TopicConfigs): Partial<LogConfig> {
  const result = parseAll(new Map(Object.entries(configs)));
  if (!result.ok) throw new LogError(LogErrorCode.INVALID_CONFIG, `stored topic configs are invalid: ${result.problems.join('; ')}`);
  const p = result.parsed;
  const out: Partial<LogConfig> = {};
  if (p['cleanup.policy'] !== undefined) {
    out.cleanupPolicy = { compact: p['cleanup.policy'].includes('compact'), delete: p['cleanup.policy'].includes('delete') };
  }
  if (p['compression.type'] !== undefined) out.compressionType = p['compression.type'];
  if (p['delete.retention.ms'] !== undefined) out.deleteRetentionMs = p['delete.retention.ms'];
  if (p['file.delete.delay.ms'] !== undefined) out.fileDeleteDelayMs = p['file.delete.delay.ms'];
  if (p['flush.messages'] !== undefined || p['flush.ms'] !== undefined) Object.assign(out, flushSettings(p['flush.messages'], p['flush.ms']));
  if (p['index.interval.bytes'] !== undefined) out.indexIntervalBytes = p['index.interval.bytes'];
  if (p['max.compaction.lag.ms'] !== undefined) out.maxCompactionLagMs = p['max.compaction.lag.ms'];
  if (p['max.message.bytes'] !== undefined) out.maxMessageBytes = p['max.message.bytes'];
  // Each bound as set: which one applies (before/after unless Long.MAX_VALUE, else the
  // difference) is decided by the log over the merged config, so that a broker default and a
  // topic override of different names combine as in Kafka.
  if (p['message.timestamp.after.max.ms'] !== undefined) out.messageTimestampAfterMaxMs = p['message.timestamp.after.max.ms'];
  if (p['message.timestamp.before.max.ms'] !== undefined) out.messageTimestampBeforeMaxMs = p['message.timestamp.before.max.ms'];
  if (p['message.timestamp.difference.max.ms'] !== undefined) out.messageTimestampDifferenceMaxMs = p['message.timestamp.difference.max.ms'];
  if (p['message.timestamp.type'] !== undefined) out.messageTimestampType = p['message.timestamp.type'];
  if (p['min.cleanable.dirty.ratio'] !== undefined) out.minCleanableDirtyRatio = p['min.cleanable.dirty.ratio'];
  if (p['min.compaction.lag.ms'] !== undefined) out.minCompactionLagMs = p['min.compaction.lag.ms'];
  if (p['retention.bytes'] !== undefined) out.retentionBytes = p['retention.bytes'];
  if (p['retention.ms'] !== undefined) out.retentionMs = p['retention.ms'];
  if (p['segment.bytes'] !== undefined) out.segmentBytes = p['segment.bytes'];
  if (p['segment.index.bytes'] !== undefined) out.segmentIndexBytes = p['segment.index.bytes'];
  if (p['segment.jitter.ms'] !== undefined) out.segmentJitterMs = p['segment.jitter.ms'];
  if (p['segment.ms'] !== undefined) out.segmentMs = p['segment.ms'];
  return out;
}

export function minInsyncReplicas(configs: TopicConfigs): number {
  const value = configs['min.insync.replicas'];
  if (value === undefined) return DEFAULT_MIN_INSYNC_REPLICAS;
  const parsed = parseValue(PROPERTIES['min.insync.replicas'], value);
  if (!parsed.ok || typeof parsed.value !== 'number' || parsed.value < 1) {
    throw new LogError(LogErrorCode.INVALID_CONFIG, `stored topic config min.insync.replicas is invalid: ${JSON.stringify(value)}`);
  }
  return parsed.value;
}

function renderNumber(value: number): string {
  // A double cannot hold Long.MAX_VALUE: anything that large is Kafka's "never".
  if (value >= 2 ** 63) return LONG_MAX;
  // String(1e21) is "1e+21"; Kafka prints longs in plain decimal.
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

function renderCleanupPolicy(policy: LogConfig['cleanupPolicy']): string {
  const items: string[] = [];
  if (policy.compact) items.push('compact');
  if (policy.delete) items.push('delete');
  return items.join(',');
}

/** The broker's flush policy in Kafka's terms: [flush.messages, flush.ms]. */
function flushConfigs(defaults: Readonly<LogConfig>): [string, string] {
  switch (defaults.flushPolicy) {
    case FlushPolicy.EVERY_APPEND:
      return ['1', LONG_MAX];
    case FlushPolicy.INTERVAL:
      return [LONG_MAX, renderNumber(defaults.flushIntervalMs)];
    case FlushPolicy.NONE:
      return [LONG_MAX, LONG_MAX];
  }
}

/** The topic configs whose default is one of the broker's log settings, rendered as Kafka does. */
const FROM_BROKER: Readonly<Partial<Record<TopicConfigName, (defaults: Readonly<LogConfig>) => string>>> = {
  'cleanup.policy': (d) => renderCleanupPolicy(d.cleanupPolicy),
  'compression.type': (d) => d.compressionType,
  'delete.retention.ms': (d) => renderNumber(d.deleteRetentionMs),
  'flush.messages': (d) => flushConfigs(d)[0],
  'flush.ms': (d) => flushConfigs(d)[1],
  'index.interval.bytes': (d) => renderNumber(d.indexIntervalBytes),
  'max.compaction.lag.ms': (d) => renderNumber(d.maxCompactionLagMs),
  'max.message.bytes': (d) => renderNumber(d.maxMessageBytes),
  'message.timestamp.after.max.ms': (d) => renderNumber(d.messageTimestampAfterMaxMs),
  'message.timestamp.before.max.ms': (d) => renderNumber(d.messageTimestampBeforeMaxMs),
  'message.timestamp.difference.max.ms': (d) => renderNumber(d.messageTimestampDifferenceMaxMs),
  'message.timestamp.type': (d) => d.messageTimestampType,
  'min.cleanable.dirty.ratio': (d) => renderNumber(d.minCleanableDirtyRatio),
  'min.compaction.lag.ms': (d) => renderNumber(d.minCompactionLagMs),
  'retention.bytes': (d) => renderNumber(d.retentionBytes),
  'retention.ms': (d) => renderNumber(d.retentionMs),
  'segment.bytes': (d) => renderNumber(d.segmentBytes),
  'segment.index.bytes': (d) => renderNumber(d.segmentIndexBytes),
  'segment.jitter.ms': (d) => renderNumber(d.segmentJitterMs),
  'segment.ms': (d) => renderNumber(d.segmentMs),
};

/**
 * The value a topic gets for `name` when it has no override, as Kafka renders it: the
 * broker's log setting where Brook has one, Kafka's default elsewhere.
 */
export function topicConfigDefault(name: TopicConfigName, defaults: Readonly<LogConfig>): string {
  return FROM_BROKER[name]?.(defaults) ?? TOPIC_CONFIG_META[name].kafkaDefault;
}

/**
 * The broker settings behind a topic config, as Kafka's DescribeConfigs lists them: the
 * broker's own value under its first synonym when it differs from Kafka's default, then
 * every synonym Kafka gives a default to.
 */
function brokerSynonyms(name: TopicConfigName, value: string): TopicConfigSynonym[] {
  const { kafkaDefault, synonyms } = TOPIC_CONFIG_META[name];
  const out: TopicConfigSynonym[] = [];
  const first = synonyms[0];
  if (first !== undefined && value !== kafkaDefault) out.push({ name: first[0], value, source: 'broker' });
  for (const [synonym, synonymDefault] of synonyms) if (synonymDefault !== null) out.push({ name: synonym, value: synonymDefault, source: 'default' });
  return out;
}

/**
 * DescribeConfigs for one topic: every config with its override or its default, in name
 * order, or in the order `names` asks for. `names` null, absent or empty means all, as in
 * Kafka; names Kafka does not define are skipped, as Kafka skips them.
 */
export function describeTopicConfigs(configs: TopicConfigs, defaults: Readonly<LogConfig>, names?: readonly string[] | null): TopicConfigEntry[] {
  const wanted = names === undefined || names === null || names.length === 0 ? TOPIC_CONFIG_NAMES : [...new Set(names)].filter(isTopicConfigName);
  return wanted.map((name): TopicConfigEntry => {
    const inherited = topicConfigDefault(name, defaults);
    const behind = brokerSynonyms(name, inherited);
    const override = configs[name];
    if (override !== undefined) {
      return { name, value: override, isDefault: false, source: 'topic', synonyms: [{ name, value: override, source: 'topic' }, ...behind], readOnly: false, sensitive: false };
    }
    const source = behind[0]?.source ?? (inherited === TOPIC_CONFIG_META[name].kafkaDefault ? 'default' : 'broker');
    return { name, value: inherited, isDefault: source === 'default', source, synonyms: behind, readOnly: false, sensitive: false };
  });
}

/**
 * IncrementalAlterConfigs for one topic. APPEND and SUBTRACT start from the override, or from
 * the default when there is none (as Kafka does), so `defaults` must be the broker's.
 */
export function applyIncrementalAlter(
  current: TopicConfigs,
  ops: readonly { name: string; op: number; value: string | null }[],
  defaults: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): TopicConfigResult {
  const next = new Map(Object.entries(current));
  const seen = new Set<string>();
  for (const { name, op, value } of ops) {
    // Two operations on one name would depend on their order; Kafka refuses the request.
    if (seen.has(name)) return failure(`Duplicate config name in one request: ${name}`, ErrorCode.INVALID_REQUEST);
    seen.add(name);
    if (!isTopicConfigName(name)) return failure(unknownName(name));
    switch (op) {
      case AlterConfigOp.SET:
        if (value === null) return failure(`SET of topic config ${name} needs a value; use DELETE to remove an override`, ErrorCode.INVALID_REQUEST);
        next.set(name, value);
        break;
      case AlterConfigOp.DELETE:
        next.delete(name);
        break;
      case AlterConfigOp.APPEND:
      case AlterConfigOp.SUBTRACT: {
        const verb = op === AlterConfigOp.APPEND ? 'APPEND' : 'SUBTRACT';
        if (PROPERTIES[name].type !== 'array') return failure(`${verb} works only on list configs (cleanup.policy, *.replication.throttled.replicas), not on ${name}; use SET`);
        if (value === null) return failure(`${verb} to topic config ${name} needs a value`, ErrorCode.INVALID_REQUEST);
        const before = splitList(next.get(name) ?? topicConfigDefault(name, defaults));
        const items = splitList(value);
        const after = op === AlterConfigOp.APPEND ? [...before, ...items.filter((i) => !before.includes(i))] : before.filter((i) => !items.includes(i));
        next.set(name, after.join(','));
        break;
      }
      default:
        return failure(`Unknown alter config operation ${op} for ${name}; expected 0 (SET), 1 (DELETE), 2 (APPEND) or 3 (SUBTRACT)`, ErrorCode.INVALID_REQUEST);
    }
  }
  return validateTopicConfigs([...next].map(([name, v]) => ({ name, value: v })));
}
