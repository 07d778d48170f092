import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { DEFAULT_LOG_CONFIG, LogError, LogErrorCode } from '../../core/log/index.ts';
import type { LogConfig } from '../../core/log/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { ajv, describeAjvError, fieldName } from '../../core/base/index.ts';

/*
 * Topic configs travel on the wire (CreateTopics, AlterConfigs, DescribeConfigs) as
 * name → string, with Kafka's names. They are stored the same way, normalised, so that what
 * DescribeConfigs returns is what was validated. The schema below is the one definition of
 * which configs exist and which values they take; the string parsers read their kind from it.
 */

const INT32_MAX = 2_147_483_647;

/**
 * Integer properties bounded by INT32_MAX are Kafka INTs, other integers are LONGs (their
 * 64-bit range is checked on the decimal string, since a double cannot hold it exactly).
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
    },
    'delete.retention.ms': { type: 'integer', minimum: 0 },
    // Kafka allows 0, but no batch fits below the 61-byte batch header and the log refuses
    // such a config (resolveLogConfig), so it is refused here, where the client hears why.
    'max.message.bytes': { type: 'integer', minimum: 61, maximum: INT32_MAX },
    'message.timestamp.type': { type: 'string', enum: ['CreateTime', 'LogAppendTime'] },
    'min.cleanable.dirty.ratio': { type: 'number', minimum: 0, maximum: 1 },
    'min.compaction.lag.ms': { type: 'integer', minimum: 0 },
    'min.insync.replicas': { type: 'integer', minimum: 1, maximum: INT32_MAX },
    'retention.bytes': { type: 'integer', minimum: -1 },
    'retention.ms': { type: 'integer', minimum: -1 },
    // Kafka's floor; index entries hold int32 positions, hence the ceiling.
    'segment.bytes': { type: 'integer', minimum: 14, maximum: INT32_MAX },
    'segment.ms': { type: 'integer', minimum: 1 },
  },
} as const satisfies JSONSchema;

type ParsedTopicConfigs = FromSchema<typeof TOPIC_CONFIG_SCHEMA>;
export type TopicConfigName = keyof typeof TOPIC_CONFIG_SCHEMA.properties;

/** The stored form: validated, normalised values keyed by Kafka config name. */
export type TopicConfigs = Readonly<Record<string, string>>;

/** Failures carry the wire error code a handler should answer with. */
export type TopicConfigResult =
  | { ok: true; configs: Record<string, string> }
  | { ok: false; message: string; errorCode: typeof ErrorCode.INVALID_CONFIG | typeof ErrorCode.INVALID_REQUEST };

export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  source: 'topic' | 'broker-default';
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
  readonly type: 'integer' | 'number' | 'string' | 'array';
  readonly maximum?: number;
  readonly items?: { readonly enum: readonly string[] };
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

function invalidValue(name: string, raw: string, problem: string): string {
  return `Invalid value ${JSON.stringify(raw)} for topic config ${name}: ${problem}`;
}

type Parsed = { ok: true; value: number | string | string[]; normalised: string } | { ok: false; problem: string };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Kafka's list syntax: commas, with any whitespace around them.
const LIST_SEPARATOR = /\s*,\s*/;

function splitList(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(LIST_SEPARATOR);
}

/** Reads a wire string as the schema's type. Kafka trims every value before parsing it. */
function parseValue(schema: PropertySchema, raw: string): Parsed {
  const text = raw.trim();
  switch (schema.type) {
    case 'integer': {
      const bits = schema.maximum === INT32_MAX ? 32 : 64;
      const limit = 1n << BigInt(bits - 1);
      const big = INTEGER.test(text) ? BigInt(text) : undefined;
      if (big === undefined || big < -limit || big >= limit) return { ok: false, problem: `must be a ${bits}-bit integer` };
      return { ok: true, value: Number(big), normalised: big.toString() };
    }
    case 'number': {
      const value = Number(text);
      if (!DECIMAL.test(text) || !Number.isFinite(value)) return { ok: false, problem: 'must be a number' };
      return { ok: true, value, normalised: String(value) };
    }
    case 'array': {
      // Duplicates mean nothing in a set-like list; the canonical order is the schema's, so
      // "delete,compact" and "compact,delete" store and describe the same way.
      const order = schema.items?.enum ?? [];
      const rank = (item: string): number => (order.includes(item) ? order.indexOf(item) : order.length);
      const items = [...new Set(splitList(text))].sort((a, b) => rank(a) - rank(b));
      return { ok: true, value: items, normalised: items.join(',') };
    }
    case 'string':
      return { ok: true, value: text, normalised: text };
  }
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
      problems.push(invalidValue(name, raw, parsed.problem));
      continue;
    }
    values[name] = parsed.value;
    normalised[name] = parsed.normalised;
  }
  const valid = validateParsed(values);
  if (!valid) {
    // One message per config, whatever the number of rules it breaks.
    const byName = new Map<string, string[]>();
    for (const error of validateParsed.errors ?? []) {
      const { path, problem } = describeAjvError(error);
      const [name = '', ...rest] = path;
      const value = values[name];
      // A list item is named by its value: the index means nothing to whoever typed the list.
      const subject = Array.isArray(value) && rest.length > 0 ? `item ${JSON.stringify(value[Number(rest[0])])} ` : rest.length > 0 ? `${fieldName(rest)} ` : '';
      const list = byName.get(name) ?? [];
      list.push(`${subject}${problem}`);
      byName.set(name, list);
    }
    for (const [name, list] of byName) problems.push(invalidValue(name, entries.get(name) ?? '', list.join(', ')));
  }
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
  if (p['delete.retention.ms'] !== undefined) out.deleteRetentionMs = p['delete.retention.ms'];
  if (p['max.message.bytes'] !== undefined) out.maxMessageBytes = p['max.message.bytes'];
  if (p['message.timestamp.type'] !== undefined) out.messageTimestampType = p['message.timestamp.type'];
  if (p['min.cleanable.dirty.ratio'] !== undefined) out.minCleanableDirtyRatio = p['min.cleanable.dirty.ratio'];
  if (p['min.compaction.lag.ms'] !== undefined) out.minCompactionLagMs = p['min.compaction.lag.ms'];
  if (p['retention.bytes'] !== undefined) out.retentionBytes = p['retention.bytes'];
  if (p['retention.ms'] !== undefined) out.retentionMs = p['retention.ms'];
  if (p['segment.bytes'] !== undefined) out.segmentBytes = p['segment.bytes'];
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
  // String(1e21) is "1e+21"; Kafka prints longs in plain decimal.
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

function renderCleanupPolicy(policy: LogConfig['cleanupPolicy']): string {
  const items: string[] = [];
  if (policy.compact) items.push('compact');
  if (policy.delete) items.push('delete');
  return items.join(',');
}

/** The value a topic gets for `name` when it has no override, as Kafka renders it. */
function defaultValue(name: TopicConfigName, defaults: Readonly<LogConfig>): string {
  switch (name) {
    case 'cleanup.policy':
      return renderCleanupPolicy(defaults.cleanupPolicy);
    case 'delete.retention.ms':
      return renderNumber(defaults.deleteRetentionMs);
    case 'max.message.bytes':
      return renderNumber(defaults.maxMessageBytes);
    case 'message.timestamp.type':
      return defaults.messageTimestampType;
    case 'min.cleanable.dirty.ratio':
      return renderNumber(defaults.minCleanableDirtyRatio);
    case 'min.compaction.lag.ms':
      return renderNumber(defaults.minCompactionLagMs);
    case 'min.insync.replicas':
      return renderNumber(DEFAULT_MIN_INSYNC_REPLICAS);
    case 'retention.bytes':
      return renderNumber(defaults.retentionBytes);
    case 'retention.ms':
      return renderNumber(defaults.retentionMs);
    case 'segment.bytes':
      return renderNumber(defaults.segmentBytes);
    case 'segment.ms':
      return renderNumber(defaults.segmentMs);
  }
}

/**
 * DescribeConfigs for one topic: every supported config with its override or its default.
 * `names` null, absent or empty means all, as in Kafka; names Brook does not know are skipped.
 */
export function describeTopicConfigs(configs: TopicConfigs, defaults: Readonly<LogConfig>, names?: readonly string[] | null): TopicConfigEntry[] {
  const wanted = names === undefined || names === null || names.length === 0 ? undefined : new Set(names);
  const entries: TopicConfigEntry[] = [];
  for (const name of TOPIC_CONFIG_NAMES) {
    if (wanted !== undefined && !wanted.has(name)) continue;
    const override = configs[name];
    entries.push(
      override === undefined
        ? { name, value: defaultValue(name, defaults), isDefault: true, source: 'broker-default', readOnly: false, sensitive: false }
        : { name, value: override, isDefault: false, source: 'topic', readOnly: false, sensitive: false },
    );
  }
  return entries;
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
        if (PROPERTIES[name].type !== 'array') return failure(`${verb} works only on list configs (cleanup.policy), not on ${name}; use SET`);
        if (value === null) return failure(`${verb} to topic config ${name} needs a value`, ErrorCode.INVALID_REQUEST);
        const before = splitList(next.get(name) ?? defaultValue(name, defaults));
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
