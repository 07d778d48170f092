import test from 'ava';
import { DEFAULT_LOG_CONFIG, FlushPolicy, LogErrorCode, resolveLogConfig } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import {
  AlterConfigOp,
  applyIncrementalAlter,
  describeTopicConfigs,
  LONG_MAX,
  minInsyncReplicas,
  STORED_ONLY_CONFIGS,
  TOPIC_CONFIG_NAMES,
  toLogConfig,
  validateTopicConfigs,
} from '../../../../broker/topics/topic-config.ts';
import type { TopicConfigResult, TopicConfigs } from '../../../../broker/topics/topic-config.ts';
import { timestampBounds, timestampWindow } from '../../../../core/log/append-validator.ts';
import { segmentsToDelete } from '../../../../core/log/retention.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

function validate(configs: Record<string, string | null>): TopicConfigResult {
  return validateTopicConfigs(Object.entries(configs).map(([name, value]) => ({ name, value })));
}

function configsOf(result: TopicConfigResult): Record<string, string> {
  if (!result.ok) throw new Error(`expected valid configs, got: ${result.message}`);
  return result.configs;
}

function messageOf(result: TopicConfigResult): string {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.configs)}`);
  return result.message;
}

test('the supported configs are exactly Kafka 3.x topic configs, in name order', async (t) => {
  const kafka = [
    'cleanup.policy',
    'compression.gzip.level',
    'compression.lz4.level',
    'compression.type',
    'compression.zstd.level',
    'delete.retention.ms',
    'file.delete.delay.ms',
    'flush.messages',
    'flush.ms',
    'follower.replication.throttled.replicas',
    'index.interval.bytes',
    'leader.replication.throttled.replicas',
    'local.retention.bytes',
    'local.retention.ms',
    'max.compaction.lag.ms',
    'max.message.bytes',
    'message.downconversion.enable',
    'message.format.version',
    'message.timestamp.after.max.ms',
    'message.timestamp.before.max.ms',
    'message.timestamp.difference.max.ms',
    'message.timestamp.type',
    'min.cleanable.dirty.ratio',
    'min.compaction.lag.ms',
    'min.insync.replicas',
    'preallocate',
    'remote.log.copy.disable',
    'remote.log.delete.on.disable',
    'remote.storage.enable',
    'retention.bytes',
    'retention.ms',
    'segment.bytes',
    'segment.index.bytes',
    'segment.jitter.ms',
    'segment.ms',
    'unclean.leader.election.enable',
  ];
  t.deepEqual([...TOPIC_CONFIG_NAMES], kafka);
});

// [config, accepted values, [refused value, Kafka's reason, the value as Kafka shows it (default: as sent)]...]
type Refusal = readonly [value: string, reason: string, shown?: string];
const RANGE_LONG = 'Not a number of type LONG';
const RANGE_INT = 'Not a number of type INT';
const BOOLEAN = 'Expected value to be either true or false';
const THROTTLED = "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
const BOUNDS: [string, string[], Refusal[]][] = [
  ['retention.ms', ['-1', '0', '9223372036854775807'], [['-2', 'Value must be at least -1'], ['9223372036854775808', RANGE_LONG], ['1.5', RANGE_LONG], ['', RANGE_LONG]]],
  // Any long, as in Kafka: every negative value means no limit.
  ['retention.bytes', ['-1', '-2', '-9223372036854775808', '1073741824'], [['ten', RANGE_LONG], ['9223372036854775808', RANGE_LONG]]],
  ['segment.bytes', ['14', '2147483647'], [['13', 'Value must be at least 14'], ['2147483648', RANGE_INT]]],
  ['segment.ms', ['1', '604800000'], [['0', 'Value must be at least 1']]],
  ['delete.retention.ms', ['0', '86400000'], [['-1', 'Value must be at least 0']]],
  ['min.compaction.lag.ms', ['0', '5'], [['-1', 'Value must be at least 0']]],
  ['max.message.bytes', ['61', '2147483647'], [['60', 'Value must be at least 61'], ['0', 'Value must be at least 61'], ['2147483648', RANGE_INT]]],
  ['min.insync.replicas', ['1', '3'], [['0', 'Value must be at least 1'], ['1.0', RANGE_INT]]],
  [
    'min.cleanable.dirty.ratio',
    ['0', '1', '0.5', '5e-1'],
    [['-0.1', 'Value must be at least 0'], ['1.01', 'Value must be no more than 1'], ['half', 'Not a number of type DOUBLE'], ['NaN', 'Not a number of type DOUBLE'], ['1e999', 'Not a number of type DOUBLE']],
  ],
  [
    'cleanup.policy',
    ['delete', 'compact', 'compact,delete', 'delete,compact'],
    [
      ['', "Configuration 'cleanup.policy' must not be empty. Valid values include: [compact, delete]"],
      ['delete,delete', "Configuration 'cleanup.policy' values must not be duplicated."],
      ['remove', 'String must be one of: compact, delete'],
      // Kafka's ValidList shows the item it refuses.
      ['delete, purge', 'String must be one of: compact, delete', 'purge'],
      ['delete,', 'String must be one of: compact, delete', ''],
    ],
  ],
  ['message.timestamp.type', ['CreateTime', 'LogAppendTime'], [['createtime', 'String must be one of: CreateTime, LogAppendTime'], ['', 'String must be one of: CreateTime, LogAppendTime']]],
  [
    'compression.type',
    ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'],
    [['none', 'String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'], ['GZIP', 'String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer']],
  ],
  ['compression.gzip.level', ['-1', '1', '9'], [['0', 'Value must be between 1 and 9 or equal to -1'], ['10', 'Value must be between 1 and 9 or equal to -1'], ['2147483648', RANGE_INT]]],
  ['compression.lz4.level', ['1', '17'], [['0', 'Value must be at least 1'], ['18', 'Value must be no more than 17']]],
  ['compression.zstd.level', ['-131072', '22'], [['-131073', 'Value must be at least -131072'], ['23', 'Value must be no more than 22']]],
  ['file.delete.delay.ms', ['0', '60000'], [['-1', 'Value must be at least 0']]],
  ['flush.messages', ['1', '9223372036854775807'], [['0', 'Value must be at least 1'], ['many', RANGE_LONG]]],
  ['flush.ms', ['0', '1000', '9223372036854775807'], [['-1', 'Value must be at least 0']]],
  ['index.interval.bytes', ['0', '4096'], [['-1', 'Value must be at least 0'], ['2147483648', RANGE_INT]]],
  ['local.retention.bytes', ['-2', '-1', '100'], [['-3', 'Value must be at least -2']]],
  ['local.retention.ms', ['-2', '-1', '100'], [['-3', 'Value must be at least -2']]],
  ['max.compaction.lag.ms', ['1', '9223372036854775807'], [['0', 'Value must be at least 1']]],
  ['message.downconversion.enable', ['true', 'false', 'TRUE'], [['yes', BOOLEAN], ['1', BOOLEAN]]],
  ['message.format.version', ['0.10.2', '2.8', '3.0-IV1', '0.8.0'], [['4.0x', 'Version 4.0x is not a valid version'], ['latest', 'Version latest is not a valid version']]],
  ['message.timestamp.after.max.ms', ['0', '3600000'], [['-1', 'Value must be at least 0']]],
  ['message.timestamp.before.max.ms', ['0', '3600000'], [['-1', 'Value must be at least 0']]],
  ['message.timestamp.difference.max.ms', ['0', '3600000', '9223372036854775807'], [['-1', 'Value must be at least 0']]],
  ['preallocate', ['false', 'true'], [['no', BOOLEAN]]],
  ['remote.log.copy.disable', ['false', 'true'], [['', BOOLEAN]]],
  ['remote.log.delete.on.disable', ['false', 'true'], [['0', BOOLEAN]]],
  ['remote.storage.enable', ['false', 'true'], [['on', BOOLEAN]]],
  ['segment.index.bytes', ['4', '10485760'], [['3', 'Value must be at least 4']]],
  ['segment.jitter.ms', ['0', '1000'], [['-1', 'Value must be at least 0']]],
  ['unclean.leader.election.enable', ['false', 'True'], [['maybe', BOOLEAN]]],
  // The whole list, as Java prints it, and the config's name in the reason: Kafka's validator.
  [
    'leader.replication.throttled.replicas',
    ['', '*', '0:0', '0:0,1:0, 2:0'],
    [
      ['0', `leader.replication.throttled.replicas ${THROTTLED}`, '[0]'],
      ['*,0:0', `leader.replication.throttled.replicas ${THROTTLED}`, '[*, 0:0]'],
    ],
  ],
  ['follower.replication.throttled.replicas', ['', '*', '3:1'], [['3:1, a:b', `follower.replication.throttled.replicas ${THROTTLED}`, '[3:1, a:b]']]],
];

/** The message Kafka's ConfigException carries, or a whole message Kafka words without the value. */
function expectedMessage(name: string, [value, reason, shown = value]: Refusal): string {
  return reason.startsWith('Configuration ') ? reason : `Invalid value ${shown} for configuration ${name}: ${reason}`;
}

for (const [name, accepted, refused] of BOUNDS) {
  test(`${name}: bounds`, async (t) => {
    for (const value of accepted) {
      t.true(validate({ [name]: value }).ok, `${name}=${value} is accepted`);
    }
    for (const refusal of refused) {
      const result = validate({ [name]: refusal[0] });
      t.false(result.ok, `${name}=${refusal[0]} is refused`);
      t.is(messageOf(result), expectedMessage(name, refusal));
      t.is(result.ok ? undefined : result.errorCode, ErrorCode.INVALID_CONFIG);
    }
  });
}

test('every supported config has a bounds test', async (t) => {
  t.deepEqual(BOUNDS.map(([name]) => name).sort(), [...TOPIC_CONFIG_NAMES].sort());
});

test('unknown names are refused with Kafka\'s message', async (t) => {
  const result = validate({ 'retention.ms': '5', 'flush.messagez': '1' });
  t.is(messageOf(result), 'Unknown topic config name: flush.messagez');
  t.is(result.ok ? undefined : result.errorCode, ErrorCode.INVALID_CONFIG);
  t.is(messageOf(validate({ 'segment.bytes ': null })), 'Unknown topic config name: segment.bytes ', 'names are not trimmed, and null does not excuse them');
});

test('every bad value is reported, each with its config name', async (t) => {
  const message = messageOf(validate({ 'retention.ms': '-7', 'segment.bytes': 'big', 'cleanup.policy': 'delete' }));
  t.true(message.includes('Invalid value -7 for configuration retention.ms: Value must be at least -1'), message);
  t.true(message.includes('Invalid value big for configuration segment.bytes: Not a number of type INT'), message);
  t.false(message.includes('cleanup.policy'), message);
});

test('values are stored normalised', async (t) => {
  t.deepEqual(
    configsOf(validate({ 'retention.ms': ' +007 ', 'min.compaction.lag.ms': '-0', 'cleanup.policy': ' delete , compact ', 'min.cleanable.dirty.ratio': '.50', 'message.timestamp.type': ' LogAppendTime' })),
    { 'retention.ms': '7', 'min.compaction.lag.ms': '0', 'cleanup.policy': 'delete,compact', 'min.cleanable.dirty.ratio': '0.5', 'message.timestamp.type': 'LogAppendTime' },
  );
  // Bounds apply to the parsed value, which Kafka's message shows: "-0" is 0, which segment.ms refuses.
  t.is(messageOf(validate({ 'segment.ms': '-0' })), 'Invalid value 0 for configuration segment.ms: Value must be at least 1');
  t.is(messageOf(validate({ 'segment.ms': ' -05 ' })), 'Invalid value -5 for configuration segment.ms: Value must be at least 1');
  t.is(messageOf(validate({ 'segment.ms': ' soon ' })), 'Invalid value  soon  for configuration segment.ms: Not a number of type LONG', 'a value that does not parse is shown as sent');
});

test('a null value removes the override, and the last entry for a name wins', async (t) => {
  t.deepEqual(configsOf(validate({ 'retention.ms': null, 'segment.ms': '10' })), { 'segment.ms': '10' });
  const entries = [
    { name: 'retention.ms', value: '5' },
    { name: 'retention.ms', value: null },
    { name: 'segment.ms', value: null },
    { name: 'segment.ms', value: '9' },
  ];
  t.deepEqual(configsOf(validateTopicConfigs(entries)), { 'segment.ms': '9' });
});

test('validated configs become log settings that the log accepts', async (t) => {
  const configs = configsOf(
    validate({
      'cleanup.policy': 'compact',
      'delete.retention.ms': '1000',
      'max.message.bytes': '2048',
      'message.timestamp.type': 'LogAppendTime',
      'min.cleanable.dirty.ratio': '0.25',
      'min.compaction.lag.ms': '60000',
      'min.insync.replicas': '2',
      'retention.bytes': '1048576',
      'retention.ms': '3600000',
      'segment.bytes': '4096',
      'segment.ms': '600000',
    }),
  );
  const overrides = toLogConfig(configs);
  t.deepEqual(overrides, {
    cleanupPolicy: { compact: true, delete: false },
    deleteRetentionMs: 1000,
    maxMessageBytes: 2048,
    messageTimestampType: 'LogAppendTime',
    minCleanableDirtyRatio: 0.25,
    minCompactionLagMs: 60000,
    retentionBytes: 1048576,
    retentionMs: 3600000,
    segmentBytes: 4096,
    segmentMs: 600000,
  });
  const resolved = resolveLogConfig(overrides);
  t.is(resolved.segmentBytes, 4096);
  t.is(resolved.flushPolicy, DEFAULT_LOG_CONFIG.flushPolicy, 'settings topics cannot override keep their defaults');
  t.is(minInsyncReplicas(configs), 2);
});

test('the lowest accepted value of every config is accepted by the log too', async (t) => {
  const lowest = Object.fromEntries(BOUNDS.map(([name, accepted]) => [name, accepted[0]!]));
  t.notThrows(() => resolveLogConfig(toLogConfig(configsOf(validate(lowest)))));
});

test('cleanup.policy maps to both flags; no overrides map to nothing', async (t) => {
  t.deepEqual(toLogConfig({ 'cleanup.policy': 'delete' }).cleanupPolicy, { compact: false, delete: true });
  t.deepEqual(toLogConfig({ 'cleanup.policy': 'compact,delete' }).cleanupPolicy, { compact: true, delete: true });
  t.deepEqual(toLogConfig({}), {});
  t.deepEqual(toLogConfig({ 'min.insync.replicas': '2' }), {}, 'min.insync.replicas is not a log setting');
});

test('damaged stored configs are a fault, not a silent default', async (t) => {
  throwsCode(t, () => toLogConfig({ 'retention.ms': 'soon' }), LogErrorCode.INVALID_CONFIG);
  throwsCode(t, () => toLogConfig({ 'no.such': '1' }), LogErrorCode.INVALID_CONFIG);
  throwsCode(t, () => minInsyncReplicas({ 'min.insync.replicas': '0' }), LogErrorCode.INVALID_CONFIG);
});

test('min.insync.replicas defaults to 1', async (t) => {
  t.is(minInsyncReplicas({}), 1);
  t.is(minInsyncReplicas({ 'retention.ms': '5' }), 1);
});

const KAFKA_DEFAULTS: Record<string, string> = {
  'cleanup.policy': 'delete',
  'compression.gzip.level': '-1',
  'compression.lz4.level': '9',
  'compression.type': 'producer',
  'compression.zstd.level': '3',
  'delete.retention.ms': '86400000',
  'file.delete.delay.ms': '60000',
  'flush.messages': '9223372036854775807',
  'flush.ms': '9223372036854775807',
  'follower.replication.throttled.replicas': '',
  'index.interval.bytes': '4096',
  'leader.replication.throttled.replicas': '',
  'local.retention.bytes': '-2',
  'local.retention.ms': '-2',
  'max.compaction.lag.ms': '9223372036854775807',
  'max.message.bytes': '1048588',
  'message.downconversion.enable': 'true',
  'message.format.version': '3.0-IV1',
  'message.timestamp.after.max.ms': '9223372036854775807',
  'message.timestamp.before.max.ms': '9223372036854775807',
  'message.timestamp.difference.max.ms': '9223372036854775807',
  'message.timestamp.type': 'CreateTime',
  'min.cleanable.dirty.ratio': '0.5',
  'min.compaction.lag.ms': '0',
  'min.insync.replicas': '1',
  preallocate: 'false',
  'remote.log.copy.disable': 'false',
  'remote.log.delete.on.disable': 'false',
  'remote.storage.enable': 'false',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
  'segment.bytes': '1073741824',
  'segment.index.bytes': '10485760',
  'segment.jitter.ms': '0',
  'segment.ms': '604800000',
  'unclean.leader.election.enable': 'false',
};

/** A broker whose log settings are all Kafka's, flush policy included (Kafka never fsyncs on its own). */
const KAFKA_LIKE: LogConfig = { ...DEFAULT_LOG_CONFIG, flushPolicy: FlushPolicy.NONE };

test('describe lists every config with Kafka\'s defaults, as Kafka\'s defaults', async (t) => {
  const entries = describeTopicConfigs({}, KAFKA_LIKE);
  t.deepEqual(Object.fromEntries(entries.map((e) => [e.name, e.value])), KAFKA_DEFAULTS);
  t.deepEqual(entries.map((e) => e.name), [...TOPIC_CONFIG_NAMES]);
  for (const entry of entries) {
    t.like(entry, { isDefault: true, source: 'default', readOnly: false, sensitive: false }, entry.name);
    t.true(entry.synonyms.every((s) => s.source === 'default'), entry.name);
  }
});

test('Brook\'s every-append flush default is Kafka\'s log.flush.interval.messages=1, set by the broker', async (t) => {
  const [messages, ms] = describeTopicConfigs({}, DEFAULT_LOG_CONFIG, ['flush.messages', 'flush.ms']);
  t.deepEqual(messages, {
    name: 'flush.messages',
    value: '1',
    isDefault: false,
    source: 'broker',
    synonyms: [
      { name: 'log.flush.interval.messages', value: '1', source: 'broker' },
      { name: 'log.flush.interval.messages', value: '9223372036854775807', source: 'default' },
    ],
    readOnly: false,
    sensitive: false,
  });
  t.like(ms, { value: '9223372036854775807', source: 'default' });
  const interval = describeTopicConfigs({}, { ...DEFAULT_LOG_CONFIG, flushPolicy: FlushPolicy.INTERVAL, flushIntervalMs: 250 }, ['flush.messages', 'flush.ms']);
  t.deepEqual(interval.map((e) => [e.value, e.source]), [['9223372036854775807', 'default'], ['250', 'broker']]);
});

test('describe renders broker defaults that differ from Kafka\'s, with the synonyms behind them', async (t) => {
  const render = (defaults: Partial<LogConfig>): string | undefined =>
    describeTopicConfigs({}, { ...DEFAULT_LOG_CONFIG, ...defaults }, ['cleanup.policy', 'retention.ms'])
      .map((e) => e.value)
      .join(' ');
  t.is(render({ cleanupPolicy: { compact: true, delete: false } }), 'compact 604800000');
  t.is(render({ cleanupPolicy: { compact: true, delete: true }, retentionMs: -1 }), 'compact,delete -1');
  t.is(render({ retentionMs: 1e20 }), 'delete 9223372036854775807', 'beyond a long is Kafka\'s "never", in plain digits');
  const [retention] = describeTopicConfigs({}, { ...DEFAULT_LOG_CONFIG, retentionMs: 3_600_000 }, ['retention.ms']);
  t.deepEqual(retention?.synonyms, [
    { name: 'log.retention.ms', value: '3600000', source: 'broker' },
    { name: 'log.retention.hours', value: '168', source: 'default' },
  ]);
  t.is(retention?.source, 'broker');
});

test('describe shows overrides as the topic\'s, first among the synonyms, and filters by name in the order asked', async (t) => {
  const configs = configsOf(validate({ 'retention.ms': '1000', 'cleanup.policy': 'delete,compact' }));
  const entries = describeTopicConfigs(configs, KAFKA_LIKE, ['segment.ms', 'retention.ms', 'no.such.config', 'segment.ms']);
  t.deepEqual(entries, [
    {
      name: 'segment.ms',
      value: '604800000',
      isDefault: true,
      source: 'default',
      synonyms: [{ name: 'log.roll.hours', value: '168', source: 'default' }],
      readOnly: false,
      sensitive: false,
    },
    {
      name: 'retention.ms',
      value: '1000',
      isDefault: false,
      source: 'topic',
      synonyms: [
        { name: 'retention.ms', value: '1000', source: 'topic' },
        { name: 'log.retention.hours', value: '168', source: 'default' },
      ],
      readOnly: false,
      sensitive: false,
    },
  ]);
  t.is(describeTopicConfigs(configs, KAFKA_LIKE, null).length, TOPIC_CONFIG_NAMES.length);
  t.is(describeTopicConfigs(configs, KAFKA_LIKE, []).length, TOPIC_CONFIG_NAMES.length, 'an empty list means all, as in Kafka');
  t.is(describeTopicConfigs(configs, KAFKA_LIKE).find((e) => e.name === 'cleanup.policy')?.value, 'delete,compact', 'a list describes back in the order it was given, as in Kafka');
  t.deepEqual(describeTopicConfigs({}, KAFKA_LIKE, ['remote.storage.enable'])[0]?.synonyms, [], 'a topic-only config has no broker synonym');
});

test('described values validate back to the same configs', async (t) => {
  const configs = configsOf(validate({ 'retention.ms': ' 12 ', 'cleanup.policy': 'delete,compact', 'min.cleanable.dirty.ratio': '0.75', preallocate: 'TRUE' }));
  const described = describeTopicConfigs(configs, DEFAULT_LOG_CONFIG);
  const overrides = described.filter((e) => e.source === 'topic');
  t.deepEqual(configsOf(validateTopicConfigs(overrides)), configs);
  t.is(configs['preallocate'], 'true');
  // The defaults, made overrides, are valid values too.
  t.true(validateTopicConfigs(described).ok);
});

test('min.compaction.lag.ms above max.compaction.lag.ms is refused with Kafka\'s message', async (t) => {
  t.is(
    messageOf(validate({ 'min.compaction.lag.ms': '5000', 'max.compaction.lag.ms': '1000' })),
    'conflict topic config setting min.compaction.lag.ms (5000) > max.compaction.lag.ms (1000)',
  );
  t.true(validate({ 'min.compaction.lag.ms': '1000', 'max.compaction.lag.ms': '1000' }).ok);
  t.true(validate({ 'min.compaction.lag.ms': '9223372036854775806' }).ok, 'the default maximum is Long.MAX_VALUE');
});

test('flush.messages and flush.ms become the topic\'s flush policy', async (t) => {
  const flush = (configs: Record<string, string>): Record<string, unknown> => {
    const { flushPolicy, flushIntervalMs } = toLogConfig(configsOf(validate(configs)));
    return flushIntervalMs === undefined ? { flushPolicy } : { flushPolicy, flushIntervalMs };
  };
  t.deepEqual(flush({ 'flush.messages': '1' }), { flushPolicy: FlushPolicy.EVERY_APPEND });
  t.deepEqual(flush({ 'flush.ms': '0' }), { flushPolicy: FlushPolicy.EVERY_APPEND });
  t.deepEqual(flush({ 'flush.ms': '250' }), { flushPolicy: FlushPolicy.INTERVAL, flushIntervalMs: 250 });
  t.deepEqual(flush({ 'flush.messages': '1000', 'flush.ms': '250' }), { flushPolicy: FlushPolicy.INTERVAL, flushIntervalMs: 250 });
  t.deepEqual(flush({ 'flush.messages': '1000' }), { flushPolicy: FlushPolicy.EVERY_APPEND }, 'a count bound only every-append keeps');
  t.deepEqual(flush({ 'flush.messages': '9223372036854775807' }), { flushPolicy: FlushPolicy.NONE });
  t.deepEqual(flush({ 'flush.ms': '9000000000' }), { flushPolicy: FlushPolicy.INTERVAL, flushIntervalMs: 2_147_483_647 }, 'capped at the longest timer');
  t.deepEqual(toLogConfig({ 'retention.ms': '5' }).flushPolicy, undefined, 'no flush config leaves the broker\'s policy');
  t.notThrows(() => resolveLogConfig(toLogConfig({ 'flush.ms': '9000000000' })));
});

test('timestamp windows: before/after apply unless Long.MAX_VALUE, else the deprecated difference bounds that side', async (t) => {
  const never = 2 ** 63;
  const window = (configs: Record<string, string>, broker: Partial<LogConfig> = {}): [number, number] => {
    const { beforeMs, afterMs } = timestampBounds(resolveLogConfig({ ...broker, ...toLogConfig(configsOf(validate(configs))) }));
    return [beforeMs, afterMs];
  };
  t.deepEqual(window({ 'message.timestamp.difference.max.ms': '1000' }), [1000, 1000]);
  t.deepEqual(window({ 'message.timestamp.difference.max.ms': '1000', 'message.timestamp.after.max.ms': '50' }), [1000, 50]);
  t.deepEqual(window({ 'message.timestamp.before.max.ms': '7' }), [7, never]);
  // Set to Long.MAX_VALUE is the same as unset: the difference still applies.
  t.deepEqual(window({ 'message.timestamp.before.max.ms': LONG_MAX, 'message.timestamp.after.max.ms': LONG_MAX, 'message.timestamp.difference.max.ms': '1000' }), [1000, 1000]);
  t.deepEqual(window({ 'message.timestamp.before.max.ms': '0', 'message.timestamp.difference.max.ms': '1000' }), [0, 1000], '0 is a bound, not unset');
  // A broker default of one name and a topic override of the other combine as in Kafka.
  t.deepEqual(window({ 'message.timestamp.difference.max.ms': '1000' }, { messageTimestampBeforeMaxMs: 500 }), [500, 1000]);
  t.deepEqual(window({ 'message.timestamp.before.max.ms': '5' }, { messageTimestampDifferenceMaxMs: 60_000 }), [5, 60_000]);
  t.deepEqual(window({}), [never, never]);
  t.is(timestampWindow(resolveLogConfig(toLogConfig({ 'message.timestamp.before.max.ms': LONG_MAX })), 0), undefined, 'nothing bounded, nothing checked');
  t.deepEqual(timestampWindow(resolveLogConfig(toLogConfig({ 'message.timestamp.before.max.ms': LONG_MAX, 'message.timestamp.difference.max.ms': '10' })), 100), { earliest: 90n, latest: 110n });
});

test('retention.bytes keeps any long as given; every negative value is no limit', async (t) => {
  t.deepEqual(configsOf(validate({ 'retention.bytes': ' -5 ' })), { 'retention.bytes': '-5' });
  const log = resolveLogConfig(toLogConfig({ 'retention.bytes': '-5' }));
  t.is(log.retentionBytes, -5);
  const segments = [0n, 10n, 20n].map((base) => ({ baseOffset: base, nextOffset: base + 10n, size: 1000, maxTimestamp: 0n }));
  t.is(segmentsToDelete(segments, { ...log, retentionMs: -1 }, 0, 0n).count, 0);
  t.is(segmentsToDelete(segments, { ...resolveLogConfig(toLogConfig({ 'retention.bytes': '1000' })), retentionMs: -1 }, 0, 0n).count, 2, 'a limit trims');
});

test('compression.type and index.interval.bytes reach the log', async (t) => {
  t.like(toLogConfig({ 'compression.type': 'zstd', 'index.interval.bytes': '100' }), { compressionType: 'zstd', indexIntervalBytes: 100 });
  t.notThrows(() => resolveLogConfig(toLogConfig({ 'compression.type': 'uncompressed' })));
  t.deepEqual(toLogConfig({ 'unclean.leader.election.enable': 'true', preallocate: 'true' }), {}, 'stored-only configs change no log setting');
  t.like(toLogConfig({ 'max.compaction.lag.ms': '60000', 'segment.index.bytes': '4096', 'segment.jitter.ms': '5' }), { maxCompactionLagMs: 60_000, segmentIndexBytes: 4096, segmentJitterMs: 5 });
  t.is(resolveLogConfig(toLogConfig({ 'max.compaction.lag.ms': LONG_MAX })).maxCompactionLagMs, 2 ** 63, "Long.MAX_VALUE is Kafka's never");
  for (const name of ['max.compaction.lag.ms', 'segment.index.bytes', 'segment.jitter.ms'] as const) {
    t.false(STORED_ONLY_CONFIGS.includes(name), `${name} acts`);
    t.is(describeTopicConfigs({}, { ...DEFAULT_LOG_CONFIG, segmentIndexBytes: 4096, segmentJitterMs: 7, maxCompactionLagMs: 60_000 }, [name])[0]?.source, 'broker', `${name} describes the broker's setting`);
  }
});

test('incremental APPEND and SUBTRACT work on the throttled replica lists', async (t) => {
  t.deepEqual(configsOf(alter({}, ['leader.replication.throttled.replicas', AlterConfigOp.APPEND, '0:0'])), { 'leader.replication.throttled.replicas': '0:0' });
  t.deepEqual(
    configsOf(alter({ 'leader.replication.throttled.replicas': '0:0,1:0' }, ['leader.replication.throttled.replicas', AlterConfigOp.SUBTRACT, '0:0'])),
    { 'leader.replication.throttled.replicas': '1:0' },
  );
});

function alter(current: TopicConfigs, ...ops: [string, number, string | null][]): TopicConfigResult {
  return applyIncrementalAlter(current, ops.map(([name, op, value]) => ({ name, op, value })));
}

test('incremental SET and DELETE change only the named configs', async (t) => {
  const current = Object.freeze({ 'retention.ms': '1000', 'segment.ms': '5000' });
  t.deepEqual(configsOf(alter(current, ['retention.ms', AlterConfigOp.SET, '2000'], ['segment.ms', AlterConfigOp.DELETE, null])), { 'retention.ms': '2000' });
  t.deepEqual(configsOf(alter(current, ['cleanup.policy', AlterConfigOp.DELETE, null])), current, 'deleting an absent override changes nothing');
  t.deepEqual(current, { 'retention.ms': '1000', 'segment.ms': '5000' }, 'the current configs are not modified');
  t.deepEqual(configsOf(alter(current, ['segment.bytes', AlterConfigOp.SET, ' 1024 '])), { ...current, 'segment.bytes': '1024' });
});

test('incremental APPEND and SUBTRACT start from the override or the default', async (t) => {
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'compact'])), { 'cleanup.policy': 'delete,compact' }, 'appended after what is there');
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'delete'])), { 'cleanup.policy': 'delete' }, 'an item already there is not added twice');
  t.deepEqual(configsOf(alter({ 'cleanup.policy': 'compact,delete' }, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'delete'])), { 'cleanup.policy': 'compact' });
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'compact'])), { 'cleanup.policy': 'delete' });
  const compacting = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: { compact: true, delete: false } };
  const applied = applyIncrementalAlter({}, [{ name: 'cleanup.policy', op: AlterConfigOp.APPEND, value: 'delete' }], compacting);
  t.deepEqual(configsOf(applied), { 'cleanup.policy': 'compact,delete' }, 'the broker\'s default is the starting point');
});

test('incremental results are validated like a full set', async (t) => {
  t.is(messageOf(alter({}, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'delete'])), "Configuration 'cleanup.policy' must not be empty. Valid values include: [compact, delete]");
  t.is(messageOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'purge'])), 'Invalid value purge for configuration cleanup.policy: String must be one of: compact, delete');
  t.is(messageOf(alter({}, ['retention.ms', AlterConfigOp.SET, '-3'])), 'Invalid value -3 for configuration retention.ms: Value must be at least -1');
  t.is(messageOf(alter({}, ['flush.mss', AlterConfigOp.SET, '5'])), 'Unknown topic config name: flush.mss');
});

test('incremental misuse gets the error code Kafka gives', async (t) => {
  const codeOf = (result: TopicConfigResult): number | undefined => (result.ok ? undefined : result.errorCode);
  const appendToLong = alter({}, ['retention.ms', AlterConfigOp.APPEND, '5']);
  t.is(codeOf(appendToLong), ErrorCode.INVALID_CONFIG);
  t.regex(messageOf(appendToLong), /APPEND.*retention\.ms/);
  t.regex(messageOf(alter({}, ['segment.ms', AlterConfigOp.SUBTRACT, '5'])), /SUBTRACT.*segment\.ms/);
  t.is(codeOf(alter({}, ['retention.ms', 7, '5'])), ErrorCode.INVALID_REQUEST);
  t.regex(messageOf(alter({}, ['retention.ms', 7, '5'])), /operation 7/);
  t.is(codeOf(alter({}, ['retention.ms', AlterConfigOp.SET, '5'], ['retention.ms', AlterConfigOp.DELETE, null])), ErrorCode.INVALID_REQUEST);
  t.is(codeOf(alter({}, ['retention.ms', AlterConfigOp.SET, null])), ErrorCode.INVALID_REQUEST);
  t.is(codeOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, null])), ErrorCode.INVALID_REQUEST);
  t.is(codeOf(alter({}, ['no.such', AlterConfigOp.SET, '1'])), ErrorCode.INVALID_CONFIG);
});
