import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema } from '../../connect/api/index.ts';
import { ajv, formatAjvErrors } from '../../core/base/index.ts';
import { customConverters } from './custom-converters.ts';
import type { BooleanColumns } from './custom-converters.ts';
import { configError } from './errors.ts';
import type { TlsSettings } from './server-connection.ts';

const REGEX_LIST = 'A comma-separated list of regular expressions, each matched against the whole name.';
/** Debezium's CommonConnectorConfig.TOPIC_NAME_PATTERN, which its topic name settings are checked against. */
const TOPIC_NAME = '^[a-zA-Z0-9._-]+$';
/** The only topic.naming.strategy Brook implements: Debezium's default for MySQL and MariaDB. */
const DEFAULT_TOPIC_NAMING_STRATEGY = 'io.debezium.schema.DefaultTopicNamingStrategy';

/**
 * Debezium's MySQL/MariaDB connector settings, by Debezium's names and defaults, so a Debezium
 * config posted unchanged works. Keys Debezium has and Brook does not act on are accepted (a
 * config must not fail for them) but reported: see `unsupportedKeys` of the parsed config, which
 * the connector logs at start.
 */
export const MYSQL_CDC_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'database.hostname': { type: 'string', minLength: 1, description: 'The address of the MySQL or MariaDB server.' },
    'database.port': { type: 'integer', minimum: 1, maximum: 65535, default: 3306, description: 'The port of the server.' },
    'database.user': { type: 'string', minLength: 1, description: 'The user to connect as: it needs SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE and REPLICATION CLIENT.' },
    'database.password': { type: 'string', default: '', writeOnly: true, description: "The user's password." },
    'database.server.id': {
      type: 'integer',
      minimum: 1,
      maximum: 4294967295,
      description: 'The replica server id the connector registers with; unique among all replicas of the server.',
    },
    'topic.prefix': {
      type: 'string',
      pattern: '^[a-zA-Z0-9._-]+$',
      description: 'The logical name of the server: the prefix of every topic, and the source partition of the offsets.',
    },
    'database.include.list': { type: 'string', description: `Databases to capture (all but the system ones when unset). ${REGEX_LIST}` },
    'database.exclude.list': { type: 'string', description: `Databases not to capture. ${REGEX_LIST}` },
    'table.include.list': { type: 'string', description: `Tables to capture, as <db>.<table>. ${REGEX_LIST}` },
    'table.exclude.list': { type: 'string', description: `Tables not to capture, as <db>.<table>. ${REGEX_LIST}` },
    'column.include.list': { type: 'string', description: `Columns to keep in events, as <db>.<table>.<column>. ${REGEX_LIST}` },
    'column.exclude.list': { type: 'string', description: `Columns to leave out of events, as <db>.<table>.<column>. ${REGEX_LIST}` },
    converters: {
      type: 'string',
      description:
        "Debezium's custom converters by name, each with <name>.type its class: Brook has io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter (TINYINT(1) columns as booleans; <name>.selector, a regex list over <db>.<table>.<column>; <name>.length.checker, default true).",
    },
    'gtid.source.includes': {
      type: 'string',
      description: `GTID sources whose transactions are captured: MySQL server UUIDs, MariaDB <domain>-<server id>. ${REGEX_LIST}`,
    },
    'gtid.source.excludes': { type: 'string', description: `GTID sources whose transactions are not captured (see gtid.source.includes). ${REGEX_LIST}` },
    'gtid.source.filter.dml.events': {
      type: 'boolean',
      default: true,
      description: 'Whether the row changes of transactions from GTID sources gtid.source.includes/excludes leave out are skipped (their DDL is always followed).',
    },
    'snapshot.mode': {
      enum: ['initial', 'initial_only', 'never', 'when_needed', 'no_data', 'schema_only', 'always', 'recovery', 'schema_only_recovery', 'configuration_based', 'custom'],
      default: 'initial',
      description:
        'initial: snapshot the existing rows when there is no offset, then stream; initial_only: snapshot and never stream (also after a restart); never: as no_data (the table definitions are recorded at the current position, then the binlog streams from there; Debezium 2.x read the binlog from its start); when_needed: snapshot when there is no offset or its binlog was purged; no_data (schema_only): record the schema, no rows; recovery (schema_only_recovery): rebuild a lost schema history from the current table definitions, then stream from the stored offset (only right when no DDL ran since that offset).',
    },
    'snapshot.locking.mode': {
      enum: ['minimal', 'extended', 'none', 'minimal_percona', 'minimal_percona_no_table_locks', 'custom'],
      default: 'minimal',
      description:
        'minimal: DDL is blocked while the binlog position and the table definitions are read (MySQL: a global read lock; MariaDB: BACKUP STAGE BLOCK_DDL, writes go on); extended: the same lock held to the end of the snapshot; none: never lock (only safe without DDL during the snapshot); minimal_percona acts as minimal and minimal_percona_no_table_locks as none (Brook takes no Percona backup locks).',
    },
    'snapshot.fetch.size': { type: 'integer', minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Rows read from the server per chunk of a snapshot; progress is logged once per chunk.' },
    'snapshot.max.threads': { type: 'integer', minimum: 1, maximum: 1, default: 1, description: 'Threads that read a snapshot: Brook reads with one.' },
    'tombstones.on.delete': { type: 'boolean', default: true, description: 'Follow each delete event with a tombstone (same key, null value) so compaction can drop the key.' },
    'enable.time.adjuster': { type: 'boolean', default: true, description: 'Read DATE, DATETIME and TIMESTAMP years 1-69 as 2001-2069 and 70-99 as 1970-1999, as MySQL reads two-digit years.' },
    'heartbeat.interval.ms': {
      type: 'integer',
      minimum: 0,
      maximum: 86_400_000,
      default: 0,
      description: 'How often a heartbeat record is sent to <topic.heartbeat.prefix><topic.delimiter><topic.prefix> (or topic.heartbeat.name), so offsets advance while captured tables are idle. 0 sends none.',
    },
    'topic.heartbeat.prefix': { type: 'string', pattern: TOPIC_NAME, description: 'The prefix of the heartbeat topic (default __debezium-heartbeat).' },
    'topic.heartbeat.name': { type: 'string', pattern: '^([a-zA-Z0-9._-]+)?$', description: 'The whole name of the heartbeat topic, instead of <topic.heartbeat.prefix><topic.delimiter><topic.prefix>.' },
    'heartbeat.topics.prefix': { type: 'string', minLength: 1, default: '__debezium-heartbeat', description: 'The older name of topic.heartbeat.prefix, read when that is not set.' },
    'topic.delimiter': { type: 'string', pattern: TOPIC_NAME, default: '.', description: 'What joins the parts of topic names: <topic.prefix>.<db>.<table>, the heartbeat topic.' },
    'topic.naming.strategy': { type: 'string', description: 'Only Debezium\'s default, io.debezium.schema.DefaultTopicNamingStrategy, is supported.' },
    'extended.headers.enabled': {
      type: 'boolean',
      default: true,
      description: 'Add the __debezium.context.* headers (connectorLogicalName, taskId, connectorName, runId) to data and schema change records.',
    },
    'message.key.columns': {
      type: 'string',
      description: 'The key columns of tables, as <db>.<table> regex:<column>,<column>;... (columns are regexes too); tables not named keep their primary key.',
    },
    'column.propagate.source.type': { type: 'string', description: `Columns, as <db>.<table>.<column>, whose field schemas get the __debezium.source.column.* parameters. ${REGEX_LIST}` },
    'datatype.propagate.source.type': { type: 'string', description: `Column types, as <db>.<table>.<type name>, whose field schemas get the __debezium.source.column.* parameters. ${REGEX_LIST}` },
    'schema.history.internal.kafka.topic': {
      type: 'string',
      minLength: 1,
      description: 'The topic the DDL history is written to (one partition, never compacted, never shared).',
    },
    'schema.history.internal.kafka.bootstrap.servers': { type: 'string', description: 'Brokers of the schema history topic, used when the worker does not offer its own cluster.' },
    'schema.history.internal': { type: 'string', description: 'The history store class: Kafka (default) or io.debezium.storage.file.history.FileSchemaHistory.' },
    'schema.history.internal.file.filename': { type: 'string', minLength: 1, description: 'The file the DDL history is kept in, for the file history store.' },
    'schema.history.internal.store.only.captured.tables.ddl': { type: 'boolean', default: false, description: 'Record only the DDL of captured tables.' },
    'schema.history.internal.skip.unparseable.ddl': { type: 'boolean', default: false, description: 'Log and skip DDL the parser does not understand instead of failing.' },
    'include.schema.changes': { type: 'boolean', default: true, description: 'Send every DDL as a schema change event to the topic named topic.prefix.' },
    'include.schema.comments': {
      type: 'boolean',
      default: false,
      description: 'Keep table and column COMMENTs: in schema change events (tableChanges comment) and as the doc of each value field. Off, both are null.',
    },
    'event.converting.failure.handling.mode': {
      enum: ['warn', 'skip', 'fail'],
      default: 'warn',
      description: 'A column value its Connect type cannot hold (a TIME outside 00:00:00-24:00:00 with time.precision.mode=connect): warn makes it null and logs a warning, skip makes it null and logs at debug, fail stops the task.',
    },
    'include.query': { type: 'boolean', default: false, description: 'Put the statement of each change in source.query (MariaDB: binlog_annotate_row_events=ON; MySQL: binlog_rows_query_log_events=ON).' },
    'decimal.handling.mode': { enum: ['precise', 'string', 'double'], default: 'precise', description: 'DECIMAL as Connect Decimal (precise), a string, or a double.' },
    'time.precision.mode': {
      enum: ['adaptive_time_microseconds', 'connect', 'adaptive', 'isostring', 'microseconds', 'nanoseconds'],
      default: 'adaptive_time_microseconds',
      description: 'adaptive_time_microseconds: io.debezium.time types (ms or µs per column precision); connect: Kafka Connect Date/Time/Timestamp (ms).',
    },
    'bigint.unsigned.handling.mode': { enum: ['long', 'precise'], default: 'long', description: 'BIGINT UNSIGNED as int64 (values above 2^63-1 wrap negative) or as Decimal.' },
    'binary.handling.mode': { enum: ['bytes', 'base64', 'base64-url-safe', 'hex'], default: 'bytes', description: 'Binary columns as bytes, or as a base64 / base64-url-safe / hex string.' },
    'skipped.operations': { type: 'string', default: 't', description: 'Operations not emitted: c, u, d, t (truncate), none.' },
    'max.batch.size': { type: 'integer', minimum: 1, maximum: 1_000_000, default: 2048, description: 'The most records one poll returns.' },
    'max.queue.size': { type: 'integer', minimum: 2, maximum: 10_000_000, default: 8192, description: 'Records buffered between the binlog reader and poll; reading pauses when it is full.' },
    'poll.interval.ms': { type: 'integer', minimum: 1, maximum: 3_600_000, default: 500, description: 'How long poll waits for records before it returns none.' },
    'connect.timeout.ms': { type: 'integer', minimum: 1, maximum: 3_600_000, default: 30_000, description: 'How long connecting to the server may take.' },
    'connect.keep.alive': { type: 'boolean', default: true, description: 'Reconnect the binlog reader when its connection drops.' },
    'connect.keep.alive.interval.ms': { type: 'integer', minimum: 1, maximum: 3_600_000, default: 60_000, description: 'The longest wait between reconnect attempts (backoff doubles from 1 s up to this).' },
    'event.processing.failure.handling.mode': { enum: ['fail', 'warn', 'skip', 'ignore'], default: 'fail', description: 'What an event that cannot be turned into records does: fail the task, or log it (warn) and go on, or skip it silently.' },
    'database.ssl.mode': {
      enum: ['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'],
      default: 'preferred',
      description:
        'TLS to the server. disabled: none; preferred: TLS when the server offers it, else plain; required: TLS, the certificate not checked; verify_ca: the certificate must chain to a CA of database.ssl.truststore (or the system CAs); verify_identity: also name the host connected to.',
    },
    'database.ssl.truststore': {
      type: 'string',
      minLength: 1,
      description: 'Path of a PEM file of the CA certificates the server certificate is checked against (verify_ca, verify_identity). Brook reads PEM, not JKS/PKCS12.',
    },
    'database.ssl.truststore.password': { type: 'string', writeOnly: true, description: 'Not needed for a PEM truststore; accepted so a Debezium config runs unchanged.' },
    'database.ssl.keystore': {
      type: 'string',
      minLength: 1,
      description: 'Path of one PEM file with the client certificate and its private key, for servers that require X509 client authentication.',
    },
    'database.ssl.keystore.password': { type: 'string', writeOnly: true, description: 'The passphrase of an encrypted private key in the keystore.' },
    'connector.adapter': { enum: ['mysql', 'mariadb'], description: 'Debezium 2.5/2.6 only: the server flavour. Brook detects it; the value names source.connector.' },
  },
  required: ['database.hostname', 'database.user', 'database.server.id', 'topic.prefix'],
  patternProperties: {
    '^column\\.mask\\.with\\.\\d+\\.chars$': { type: 'string', description: 'Columns (<db>.<table>.<column> regexes) whose values are replaced by that many asterisks.' },
    '^column\\.truncate\\.to\\.\\d+\\.chars$': { type: 'string', description: 'Columns (<db>.<table>.<column> regexes) whose text is cut to that many characters.' },
  },
} as const satisfies ConfigSchema;

export type MySqlCdcConfig = FromSchema<typeof MYSQL_CDC_CONFIG_SCHEMA>;

export type SnapshotMode = 'initial' | 'initial_only' | 'never' | 'when_needed' | 'no_data' | 'recovery';

/** Debezium keys Brook knows of but does not act on; a config with them still runs. */
const KNOWN_UNSUPPORTED = new Set([
  'database.include.list.regex',
  'snapshot.select.statement.overrides',
  'snapshot.include.collection.list',
  'snapshot.new.tables',
  'snapshot.delay.ms',
  'snapshot.lock.timeout.ms',
  'signal.data.collection',
  'signal.enabled.channels',
  'incremental.snapshot.chunk.size',
  'read.only',
  'provide.transaction.metadata',
  'table.ignore.builtin',
  'inconsistent.schema.handling.mode',
  'schema.name.adjustment.mode',
  'field.name.adjustment.mode',
  'tombstones.on.delete.handling.mode',
  'database.connectionTimeZone',
  'database.jdbc.driver',
  'database.initial.statements',
  'min.row.count.to.stream.results',
  'max.queue.size.in.bytes',
  'notification.enabled.channels',
  'errors.max.retries',
  'retriable.restart.connector.wait.ms',
  'post.processors',
  'custom.metric.tags',
]);

/** Keys the Connect runtime handles, not the connector. */
const RUNTIME_KEYS = /^(name|connector\.class|tasks\.max|key\.converter.*|value\.converter.*|header\.converter.*|transforms.*|predicates.*|errors\..*|topic\.creation\..*|exactly\.once\..*|transaction\.boundary.*|offsets\.storage\.topic|config\.action\.reload|producer\.override\..*|consumer\.override\..*|admin\.override\..*)$/;

export interface ColumnRule {
  readonly pattern: RegExp;
  readonly length: number;
}

/** A validated config, defaults filled in, lists compiled. */
export interface ParsedMySqlCdcConfig {
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly serverId: number;
  readonly topicPrefix: string;
  readonly databaseInclude: readonly RegExp[] | null;
  readonly databaseExclude: readonly RegExp[];
  readonly tableInclude: readonly RegExp[] | null;
  readonly tableExclude: readonly RegExp[];
  readonly columnInclude: readonly RegExp[] | null;
  readonly columnExclude: readonly RegExp[];
  /**
   * Whether a GTID source (a MySQL server UUID, a MariaDB `domain-server`) is captured, per
   * gtid.source.includes/excludes; null when neither is set.
   */
  readonly gtidSourceFilter: ((source: string) => boolean) | null;
  /** gtid.source.filter.dml.events: skip the row changes of transactions from sources the filter leaves out. */
  readonly gtidFilterDml: boolean;
  /** The columns Debezium's TinyIntOneToBooleanConverter (converters) turns into booleans, or null. */
  readonly booleanColumns: BooleanColumns | null;
  readonly columnMasks: readonly ColumnRule[];
  readonly columnTruncates: readonly ColumnRule[];
  readonly snapshotMode: SnapshotMode;
  readonly snapshotLocking: 'minimal' | 'extended' | 'none';
  readonly snapshotFetchSize: number;
  readonly tombstonesOnDelete: boolean;
  readonly timeAdjuster: boolean;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTopic: string;
  /** topic.delimiter: joins topic.prefix, database and table in data topic names. */
  readonly topicDelimiter: string;
  /** extended.headers.enabled: the __debezium.context.* headers on data and schema change records. */
  readonly extendedHeaders: boolean;
  /**
   * message.key.columns, one `<table regex>.<column regex>` per named column, in order, matched
   * against `<db>.<table>.<column>`; empty when unset (every table keeps its primary key).
   */
  readonly messageKeyColumns: readonly RegExp[];
  /** column.propagate.source.type (matched against `<db>.<table>.<column>`). */
  readonly propagateColumns: readonly RegExp[];
  /** datatype.propagate.source.type (matched against `<db>.<table>.<type name>`). */
  readonly propagateTypes: readonly RegExp[];
  readonly historyTopic: string | null;
  readonly historyFile: string | null;
  /** Brokers of the history topic, used only when the worker offers none of its own. */
  readonly historyBootstrapServers: string | null;
  readonly historyOnlyCapturedTables: boolean;
  readonly skipUnparseableDdl: boolean;
  readonly includeSchemaChanges: boolean;
  readonly includeQuery: boolean;
  /** include.schema.comments: table and column comments in tableChanges and field docs. */
  readonly includeSchemaComments: boolean;
  /** event.converting.failure.handling.mode. */
  readonly conversionFailureMode: 'warn' | 'skip' | 'fail';
  readonly decimalMode: 'precise' | 'string' | 'double';
  readonly timePrecisionMode: 'adaptive_time_microseconds' | 'connect';
  readonly bigintUnsignedMode: 'long' | 'precise';
  readonly binaryMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
  readonly skippedOperations: ReadonlySet<string>;
  readonly maxBatchSize: number;
  readonly maxQueueSize: number;
  readonly pollIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly tls: TlsSettings;
  readonly keepAlive: boolean;
  readonly reconnectMaxMs: number;
  readonly failureMode: 'fail' | 'warn' | 'skip';
  /** Set by connector.adapter or by which class name the config used; null: detect from the server. */
  readonly flavour: 'mysql' | 'mariadb' | null;
  /** Keys present in the config that Brook does not act on, with why: logged at start. */
  readonly unsupportedKeys: readonly string[];
}

/** Splits Debezium's comma-separated regex lists; `\,` keeps a comma inside one pattern. */
export function regexList(text: string | undefined, field: string): RegExp[] | null {
  if (text === undefined || text.trim() === '') return null;
  const parts = text.split(/(?<!\\),/).map((p) => p.replace(/\\,/g, ',').trim()).filter((p) => p.length > 0);
  return parts.map((p) => {
    try {
      return new RegExp(`^(?:${p})$`, 'i');
    } catch (error) {
      throw configError(`Invalid mysql-cdc config: ${field}: ${JSON.stringify(p)} is not a regular expression (${(error as Error).message})`);
    }
  });
}

/** Debezium's CustomKeyMapper.MSG_KEY_COLUMNS_PATTERN: `<table>:<column>[,<column>...]`, colons only as the separator. */
const KEY_COLUMNS_ENTRY = /^\s*([^:]+):([^:,]+(?:,[^:,]+)*)\s*$/;

/**
 * message.key.columns as Debezium's CustomKeyMapper reads it: `;`-separated entries, each a table
 * regex and its column regexes; every column becomes the regex `<table>.<column>`, matched
 * case-insensitively against the whole `<db>.<table>.<column>`.
 */
export function keyColumnRules(text: string | undefined): RegExp[] {
  if (text === undefined) return [];
  if (text === '') throw configError('Invalid mysql-cdc config: message.key.columns: must not be empty; remove it to key every table by its primary key');
  const entries = text.split(';');
  // Java's String.split, which Debezium uses, drops trailing empty entries: `a:b;` is valid.
  while (entries.at(-1) === '') entries.pop();
  const rules: RegExp[] = [];
  for (const entry of entries) {
    const match = KEY_COLUMNS_ENTRY.exec(entry);
    if (match === null) {
      throw configError(`Invalid mysql-cdc config: message.key.columns: ${JSON.stringify(entry)} is not <db>.<table>:<column>[,<column>...] (for example inventory.orders:id;inventory.lines:order_id,line_no)`);
    }
    for (const column of match[2]!.split(',')) {
      rules.push(...(regexList(`${match[1]!.trim()}.${column.trim()}`, 'message.key.columns') ?? []));
    }
  }
  return rules;
}

/** The GTID source filter of gtid.source.includes (else excludes), as Debezium builds it; null without either. */
function gtidSourceFilter(includes: readonly RegExp[] | null, excludes: readonly RegExp[] | null): ((source: string) => boolean) | null {
  if (includes !== null) return (source) => includes.some((r) => r.test(source));
  if (excludes !== null) return (source) => !excludes.some((r) => r.test(source));
  return null;
}

let validator: ReturnType<typeof ajv.compile> | undefined;

/**
 * Kafka configs are string maps. The worker turns strings into their property's types before it
 * validates; a task may be handed the map as stored, so the same is done here (idempotent).
 * Debezium reads its enumerated settings case-insensitively (`PRECISE`, `DISABLED`): they are
 * lower-cased before the schema sees them.
 */
function coerceStrings(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const properties = MYSQL_CDC_CONFIG_SCHEMA.properties as Readonly<Record<string, { type?: string; enum?: readonly string[] }>>;
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== 'string') continue;
    const property = properties[key];
    const type = property?.type;
    const text = value.trim();
    if (type === 'integer' && /^-?\d+$/.test(text)) out[key] = Number(text);
    else if (type === 'boolean' && /^(true|false)$/i.test(text)) out[key] = text.toLowerCase() === 'true';
    else if (property?.enum !== undefined) out[key] = text.toLowerCase();
  }
  return out;
}

/** Debezium rejects an include list together with the exclude list of the same names. */
function checkListPairs(raw: Readonly<Record<string, unknown>>): void {
  const set = (key: string): boolean => {
    const value = raw[key];
    return typeof value === 'string' && value.trim() !== '';
  };
  if (set('gtid.source.includes') && set('gtid.source.excludes')) {
    throw configError('Invalid mysql-cdc config: gtid.source.excludes cannot be used together with gtid.source.includes: keep one of them');
  }
  for (const kind of ['database', 'table', 'column']) {
    if (set(`${kind}.include.list`) && set(`${kind}.exclude.list`)) {
      throw configError(`Invalid mysql-cdc config: ${kind}.include.list and ${kind}.exclude.list are both set; Debezium allows only one of them: keep the one that says what you mean and remove the other`);
    }
  }
}

/** Validates a config (a copy: ajv fills the defaults in) and compiles its lists. */
export function parseMySqlCdcConfig(raw: Readonly<Record<string, unknown>>): ParsedMySqlCdcConfig {
  validator ??= ajv.compile(MYSQL_CDC_CONFIG_SCHEMA);
  const config = coerceStrings(raw);
  if (!validator(config)) throw configError(`Invalid mysql-cdc config: ${formatAjvErrors(validator.errors, 'config')}`);
  checkListPairs(config);
  const c = config as MySqlCdcConfig;
  const unsupported: string[] = [];

  const mode = c['snapshot.mode'];
  let snapshotMode: SnapshotMode;
  switch (mode) {
    case 'initial':
    case 'initial_only':
    case 'never':
    case 'when_needed':
    case 'no_data':
      snapshotMode = mode;
      break;
    case 'schema_only':
      snapshotMode = 'no_data';
      break;
    case 'recovery':
    case 'schema_only_recovery':
      snapshotMode = 'recovery';
      break;
    case 'always':
    case 'configuration_based':
    case 'custom':
      throw configError(`Invalid mysql-cdc config: snapshot.mode: ${mode} is not supported by Brook; use initial, initial_only, never, when_needed, no_data or recovery`);
  }
  const lockingMode = c['snapshot.locking.mode'];
  if (lockingMode === 'custom') throw configError('Invalid mysql-cdc config: snapshot.locking.mode: custom is not supported by Brook; use minimal, extended or none');
  // Percona's backup locks are not taken: its modes act as the nearest of Brook's own.
  const locking = lockingMode === 'minimal_percona' ? 'minimal' : lockingMode === 'minimal_percona_no_table_locks' ? 'none' : lockingMode;
  const timeMode = c['time.precision.mode'];
  if (timeMode === 'adaptive') throw configError('Invalid mysql-cdc config: time.precision.mode: adaptive is not supported by the MySQL connector (Debezium neither); use adaptive_time_microseconds or connect');
  if (timeMode !== 'adaptive_time_microseconds' && timeMode !== 'connect') {
    throw configError(`Invalid mysql-cdc config: time.precision.mode: ${timeMode} is not supported by Brook; use adaptive_time_microseconds (io.debezium.time types) or connect`);
  }
  const history = c['schema.history.internal'];
  const historyFile = c['schema.history.internal.file.filename'] ?? null;
  if (history !== undefined && /FileSchemaHistory$/.test(history) && historyFile === null) {
    throw configError('Invalid mysql-cdc config: schema.history.internal.file.filename: required with the file schema history');
  }
  if (history !== undefined && !/(FileSchemaHistory|KafkaSchemaHistory|MemorySchemaHistory)$/.test(history)) unsupported.push(`schema.history.internal (${history}: Brook keeps the history in the topic or a file)`);
  if (c['database.ssl.truststore.password'] !== undefined) unsupported.push('database.ssl.truststore.password (a PEM truststore has no password; ignored)');
  const namingStrategy = c['topic.naming.strategy']?.trim();
  if (namingStrategy !== undefined && namingStrategy !== DEFAULT_TOPIC_NAMING_STRATEGY) {
    throw configError(
      `Invalid mysql-cdc config: topic.naming.strategy: ${namingStrategy} is not supported; Brook names topics only as Debezium's default ${DEFAULT_TOPIC_NAMING_STRATEGY} does (<topic.prefix>.<db>.<table>), so remove the setting or use that class, knowing the topics differ from the ones this strategy would make`,
    );
  }
  if (c['event.processing.failure.handling.mode'] === 'ignore') unsupported.push('event.processing.failure.handling.mode (ignore acts as skip)');

  const converters = customConverters(config, regexList);
  const masks: ColumnRule[] = [];
  const truncates: ColumnRule[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (converters.keys.has(key)) continue;
    // Values the user meant hidden must never go out in clear text because a key was not acted on.
    if (/^column\.mask\.hash\./.test(key)) {
      throw configError(`Invalid mysql-cdc config: ${key}: hashing column values (column.mask.hash.*) is not supported by Brook; use column.mask.with.<n>.chars to mask them or column.exclude.list to leave them out`);
    }
    const mask = /^column\.mask\.with\.(\d+)\.chars$/.exec(key);
    const truncate = /^column\.truncate\.to\.(\d+)\.chars$/.exec(key);
    if (mask !== null) for (const pattern of regexList(value as string, key) ?? []) masks.push({ pattern, length: Number(mask[1]) });
    else if (truncate !== null) for (const pattern of regexList(value as string, key) ?? []) truncates.push({ pattern, length: Number(truncate[1]) });
    else if (KNOWN_UNSUPPORTED.has(key)) unsupported.push(`${key} (not supported by Brook; ignored)`);
    else if (!(key in MYSQL_CDC_CONFIG_SCHEMA.properties) && !RUNTIME_KEYS.test(key)) unsupported.push(`${key} (unknown to Brook; ignored)`);
  }

  const adapter = c['connector.adapter'];
  const connectorClass = raw['connector.class'];
  const flavour = adapter ?? (typeof connectorClass === 'string' && /mariadb/i.test(connectorClass) ? 'mariadb' : typeof connectorClass === 'string' && /MySqlConnector$/.test(connectorClass) ? 'mysql' : null);

  const skipped = new Set(
    c['skipped.operations']
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0 && s !== 'none'),
  );
  for (const op of skipped) if (!['c', 'u', 'd', 't'].includes(op)) throw configError(`Invalid mysql-cdc config: skipped.operations: ${JSON.stringify(op)} is not one of c, u, d, t, none`);

  return {
    hostname: c['database.hostname'],
    port: c['database.port'],
    user: c['database.user'],
    password: c['database.password'],
    serverId: c['database.server.id'],
    topicPrefix: c['topic.prefix'],
    databaseInclude: regexList(c['database.include.list'], 'database.include.list'),
    databaseExclude: regexList(c['database.exclude.list'], 'database.exclude.list') ?? [],
    tableInclude: regexList(c['table.include.list'], 'table.include.list'),
    tableExclude: regexList(c['table.exclude.list'], 'table.exclude.list') ?? [],
    columnInclude: regexList(c['column.include.list'], 'column.include.list'),
    columnExclude: regexList(c['column.exclude.list'], 'column.exclude.list') ?? [],
    gtidSourceFilter: gtidSourceFilter(regexList(c['gtid.source.includes'], 'gtid.source.includes'), regexList(c['gtid.source.excludes'], 'gtid.source.excludes')),
    gtidFilterDml: c['gtid.source.filter.dml.events'],
    booleanColumns: converters.booleanColumns,
    columnMasks: masks,
    columnTruncates: truncates,
    snapshotMode,
    snapshotLocking: locking,
    snapshotFetchSize: c['snapshot.fetch.size'],
    tombstonesOnDelete: c['tombstones.on.delete'],
    timeAdjuster: c['enable.time.adjuster'],
    heartbeatIntervalMs: c['heartbeat.interval.ms'],
    // Debezium's AbstractTopicNamingStrategy.heartbeatTopic; the older heartbeat.topics.prefix is read when the new key is not set.
    heartbeatTopic: c['topic.heartbeat.name'] || [c['topic.heartbeat.prefix'] ?? c['heartbeat.topics.prefix'], c['topic.prefix']].join(c['topic.delimiter']),
    topicDelimiter: c['topic.delimiter'],
    extendedHeaders: c['extended.headers.enabled'],
    messageKeyColumns: keyColumnRules(c['message.key.columns']),
    propagateColumns: regexList(c['column.propagate.source.type'], 'column.propagate.source.type') ?? [],
    propagateTypes: regexList(c['datatype.propagate.source.type'], 'datatype.propagate.source.type') ?? [],
    historyTopic: c['schema.history.internal.kafka.topic'] ?? null,
    historyFile,
    historyBootstrapServers: c['schema.history.internal.kafka.bootstrap.servers'] ?? null,
    historyOnlyCapturedTables: c['schema.history.internal.store.only.captured.tables.ddl'],
    skipUnparseableDdl: c['schema.history.internal.skip.unparseable.ddl'],
    includeSchemaChanges: c['include.schema.changes'],
    includeQuery: c['include.query'],
    includeSchemaComments: c['include.schema.comments'],
    conversionFailureMode: c['event.converting.failure.handling.mode'],
    decimalMode: c['decimal.handling.mode'],
    timePrecisionMode: timeMode,
    bigintUnsignedMode: c['bigint.unsigned.handling.mode'],
    binaryMode: c['binary.handling.mode'],
    skippedOperations: skipped,
    maxBatchSize: c['max.batch.size'],
    maxQueueSize: c['max.queue.size'],
    pollIntervalMs: c['poll.interval.ms'],
    connectTimeoutMs: c['connect.timeout.ms'],
    tls: {
      mode: c['database.ssl.mode'],
      truststore: c['database.ssl.truststore'] ?? null,
      keystore: c['database.ssl.keystore'] ?? null,
      keystorePassword: c['database.ssl.keystore.password'] ?? null,
    },
    keepAlive: c['connect.keep.alive'],
    reconnectMaxMs: c['connect.keep.alive.interval.ms'],
    failureMode: c['event.processing.failure.handling.mode'] === 'ignore' ? 'skip' : c['event.processing.failure.handling.mode'],
    flavour,
    unsupportedKeys: unsupported,
  };
}
