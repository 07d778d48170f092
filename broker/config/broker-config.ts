import fs from 'node:fs';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { LogConfig } from '../../core/log/index.ts';
import { ajv, formatAjvErrors } from '../../core/base/index.ts';
import { BrokerConfigError } from './errors.ts';

const INT32_MAX = 2_147_483_647;

/**
 * The broker's configuration. Defaults live here and are filled in by ajv (useDefaults), so a
 * resolved config always has every field except `advertisedPort`, which defaults to the bound port.
 */
export const BROKER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['dataDir'],
  properties: {
    dataDir: { type: 'string', minLength: 1, description: 'Directory holding the topic partitions; locked while the broker runs.' },
    host: { type: 'string', default: '127.0.0.1', description: 'Address the listener binds to.' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 9092, description: 'Port the listener binds to; 0 picks any free port.' },
    advertisedHost: { type: 'string', default: 'localhost', description: 'Host clients are told to connect to (Metadata responses).' },
    advertisedPort: { type: 'integer', minimum: 1, maximum: 65535, description: 'Port clients are told to connect to; defaults to the bound port.' },
    nodeId: { type: 'integer', minimum: 0, default: 0, description: 'This broker’s node id.' },
    autoCreateTopics: { type: 'boolean', default: true, description: 'Create a topic when a client asks for one that does not exist.' },
    numPartitions: { type: 'integer', minimum: 1, maximum: 10000, default: 1, description: 'Partitions of an auto-created topic.' },
    socketRequestMaxBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: INT32_MAX,
      default: 104_857_600,
      description: 'Largest request frame accepted; a larger one closes the connection.',
    },
    connectionsMaxIdleMs: { type: 'integer', minimum: 0, default: 600_000, description: 'Idle connections are closed after this long; 0 never closes them.' },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'pino log level.' },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Defaults for every partition log (Kafka’s log.* broker settings).',
      properties: {
        flushPolicy: { enum: ['every-append', 'interval', 'none'], default: 'every-append', description: 'When appended data is fsynced.' },
        flushIntervalMs: { type: 'integer', minimum: 1, default: 1000, description: 'Sync period of the interval flush policy.' },
        visibility: {
          enum: ['append', 'durable'],
          default: 'append',
          description: 'What consumers may read: every appended record (as Kafka with one replica), or only what the flush policy has synced.',
        },
        // Index entries hold int32 positions, so a segment stays below 2 GiB (core/log enforces it too).
        segmentBytes: { type: 'integer', minimum: 1024, maximum: INT32_MAX, default: 1_073_741_824, description: 'A segment rolls at this size.' },
        segmentMs: { type: 'integer', minimum: 1, default: 604_800_000, description: 'A segment rolls at this age.' },
        retentionMs: { type: 'integer', minimum: -1, default: 604_800_000, description: 'Segments older than this are deleted; -1 keeps them forever.' },
        retentionBytes: { type: 'integer', minimum: -1, default: -1, description: 'A partition is trimmed to this size; -1 means no limit.' },
        maxMessageBytes: { type: 'integer', minimum: 61, default: 1_048_588, description: 'Largest record batch accepted.' },
        retentionCheckIntervalMs: { type: 'integer', minimum: 1, default: 300_000, description: 'How often retention is applied.' },
        cleanerIntervalMs: { type: 'integer', minimum: 1, default: 15_000, description: 'How often compacted topics are cleaned.' },
      },
    },
    groups: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The group coordinator (Kafka’s group.* and offsets.* broker settings).',
      properties: {
        initialRebalanceDelayMs: { type: 'integer', minimum: 0, default: 3000, description: 'How long the first rebalance of an empty group waits for more members.' },
        minSessionTimeoutMs: { type: 'integer', minimum: 1, default: 6000, description: 'Smallest session timeout a member may ask for.' },
        maxSessionTimeoutMs: { type: 'integer', minimum: 1, default: 1_800_000, description: 'Largest session timeout a member may ask for.' },
        maxSize: { type: 'integer', minimum: 1, default: 1000, description: 'Most members (joined or asked to rejoin) one group may have.' },
        offsetsTopicPartitions: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'Partitions of __consumer_offsets when it is created.' },
        offsetsTopicSegmentBytes: { type: 'integer', minimum: 1024, maximum: INT32_MAX, default: 104_857_600, description: 'Segment size of __consumer_offsets.' },
        offsetsRetentionMs: { type: 'integer', minimum: 1, default: 604_800_000, description: 'Offsets of a group that has been empty this long are deleted.' },
        offsetsRetentionCheckIntervalMs: { type: 'integer', minimum: 1, default: 600_000, description: 'How often expired offsets are looked for.' },
        offsetMetadataMaxBytes: { type: 'integer', minimum: 0, default: 4096, description: 'Largest metadata string accepted with a committed offset.' },
      },
    },
    transactions: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The transaction coordinator (Kafka’s transaction.* and transaction.state.log.* broker settings).',
      properties: {
        maxTimeoutMs: { type: 'integer', minimum: 1, maximum: INT32_MAX, default: 900_000, description: 'transaction.max.timeout.ms: the longest transaction timeout a producer may ask for.' },
        abortTimedOutCheckIntervalMs: {
          type: 'integer',
          minimum: 1,
          default: 10_000,
          description: 'transaction.abort.timed.out.transaction.cleanup.interval.ms: how often transactions past their timeout are looked for and aborted.',
        },
        markerRetryBackoffMs: { type: 'integer', minimum: 1, default: 100, description: 'How long a failed transaction marker write waits before it is tried again.' },
        stateLogPartitions: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'transaction.state.log.num.partitions: partitions of __transaction_state when it is created.' },
        stateLogSegmentBytes: { type: 'integer', minimum: 1024, maximum: INT32_MAX, default: 104_857_600, description: 'transaction.state.log.segment.bytes: segment size of __transaction_state.' },
      },
    },
  },
} as const satisfies JSONSchema;

export type BrokerConfig = FromSchema<typeof BROKER_CONFIG_SCHEMA>;

const validateBrokerConfig = ajv.compile<BrokerConfig>(BROKER_CONFIG_SCHEMA);

/**
 * Validates a config object and fills in the defaults. The input is never modified.
 * Throws BrokerConfigError naming every bad field.
 */
export function resolveBrokerConfig(input: unknown): BrokerConfig {
  let copy: unknown;
  try {
    copy = withoutUndefined(structuredClone(input));
  } catch (err) {
    throw new BrokerConfigError(`broker config must hold plain JSON values: ${errorMessage(err)}`, { cause: err });
  }
  if (!isPlainObject(copy)) {
    throw new BrokerConfigError(`broker config must be an object of settings, got ${describeJsonType(copy)}`);
  }
  if (!validateBrokerConfig(copy)) {
    throw new BrokerConfigError(`invalid broker config: ${formatAjvErrors(validateBrokerConfig.errors, 'config')}`);
  }
  return copy;
}

/**
 * Builds the config the way the CLI does: the JSON file (if any), then the overrides (flags)
 * on top, skipping overrides that are undefined, then validation and defaults.
 */
export function loadBrokerConfig(options: { file?: string; overrides: Record<string, unknown> }): BrokerConfig {
  const base = options.file === undefined ? {} : readConfigFile(options.file);
  return resolveBrokerConfig(overlay(base, options.overrides));
}

/** The log section in core/log's terms: the defaults every partition log starts from. */
export function logDefaults(config: BrokerConfig): Partial<LogConfig> {
  const log = config.log;
  return {
    flushPolicy: log.flushPolicy,
    flushIntervalMs: log.flushIntervalMs,
    visibility: log.visibility,
    segmentBytes: log.segmentBytes,
    segmentMs: log.segmentMs,
    retentionMs: log.retentionMs,
    retentionBytes: log.retentionBytes,
    maxMessageBytes: log.maxMessageBytes,
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BrokerConfigError(`cannot read broker config file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  // Editors on Windows like to start files with a byte order mark, which JSON.parse rejects.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BrokerConfigError(`broker config file ${file} is not valid JSON: ${errorMessage(err)}${describeJsonErrorPosition(text)}`, { cause: err });
  }
  if (!isPlainObject(parsed)) {
    throw new BrokerConfigError(`broker config file ${file} must hold a JSON object, found ${describeJsonType(parsed)}`);
  }
  return parsed;
}

/** Deep-merges plain objects; `top` wins, undefined values in `top` are ignored. */
function overlay(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue;
    const previous = out[key];
    // defineProperty, not assignment: a "__proto__" key must stay data (and be reported as unknown).
    Object.defineProperty(out, key, {
      value: isPlainObject(previous) && isPlainObject(value) ? overlay(previous, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Drops undefined-valued keys, which exactOptionalPropertyTypes treats as different from absent. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isPlainObject(value)) return value;
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) Reflect.deleteProperty(value, key);
    else value[key] = withoutUndefined(value[key]);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** " (at line L, column C, offset N)", or "" if the scanner disagrees with JSON.parse. */
function describeJsonErrorPosition(text: string): string {
  const offset = findJsonErrorOffset(text);
  if (offset === undefined) return '';
  const lines = text.slice(0, offset).split('\n');
  const where = offset >= text.length ? 'at the end of the file, ' : '';
  return ` (${where}at line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}, offset ${offset})`;
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const JSON_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * The offset of the first character that makes `text` invalid JSON, or undefined if it is valid.
 * JSON.parse says where it failed only on newer Node versions (20 often omits it), and a user
 * fixing a config file needs the line and column.
 */
function findJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const skipWhitespace = (): void => {
    while (i < text.length && JSON_WHITESPACE.has(text[i]!)) i++;
  };
  const literal = (word: string): boolean => {
    for (const ch of word) {
      if (text[i] !== ch) return false;
      i++;
    }
    return true;
  };
  const string = (): boolean => {
    i++; // the opening quote
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return true;
      }
      if (ch < ' ') return false;
      if (ch === '\\') {
        i++;
        const escaped = text[i];
        if (escaped === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) return false;
          }
          i++;
        } else if (escaped !== undefined && JSON_ESCAPES.has(escaped)) {
          i++;
        } else {
          return false;
        }
        continue;
      }
      i++;
    }
    return false;
  };
  const value = (): boolean => {
    skipWhitespace();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      skipWhitespace();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (ch === '{') {
          skipWhitespace();
          if (text[i] !== '"' || !string()) return false;
          skipWhitespace();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        skipWhitespace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return true;
        }
        return false;
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    JSON_NUMBER.lastIndex = i;
    const match = JSON_NUMBER.exec(text);
    if (match === null) return false;
    i += match[0].length;
    return true;
  };
  if (value()) {
    skipWhitespace();
    if (i === text.length) return undefined;
  }
  return i;
}
