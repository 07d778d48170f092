import test from 'ava';
import { DEFAULT_LOG_CONFIG, LogErrorCode, resolveLogConfig } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import {
  AlterConfigOp,
  applyIncrementalAlter,
  describeTopicConfigs,
  minInsyncReplicas,
  TOPIC_CONFIG_NAMES,
  toLogConfig,
  validateTopicConfigs,
} from '../../../../broker/topics/topic-config.ts';
import type { TopicConfigResult, TopicConfigs } from '../../../../broker/topics/topic-config.ts';
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

test('the supported configs are exactly these', async (t) => {
  t.deepEqual([...TOPIC_CONFIG_NAMES].sort(), [
    'cleanup.policy',
    'delete.retention.ms',
    'max.message.bytes',
    'message.timestamp.type',
    'min.cleanable.dirty.ratio',
    'min.compaction.lag.ms',
    'min.insync.replicas',
    'retention.bytes',
    'retention.ms',
    'segment.bytes',
    'segment.ms',
  ]);
});

// [config, accepted values, [refused value, what the message must say]...]
const BOUNDS: [string, string[], [string, string][]][] = [
  ['retention.ms', ['-1', '0', '9223372036854775807'], [['-2', 'must be >= -1'], ['9223372036854775808', 'must be a 64-bit integer'], ['1.5', 'must be a 64-bit integer'], ['', 'must be a 64-bit integer']]],
  ['retention.bytes', ['-1', '1073741824'], [['-2', 'must be >= -1'], ['ten', 'must be a 64-bit integer']]],
  ['segment.bytes', ['14', '2147483647'], [['13', 'must be >= 14'], ['2147483648', 'must be a 32-bit integer']]],
  ['segment.ms', ['1', '604800000'], [['0', 'must be >= 1']]],
  ['delete.retention.ms', ['0', '86400000'], [['-1', 'must be >= 0']]],
  ['min.compaction.lag.ms', ['0', '5'], [['-1', 'must be >= 0']]],
  ['max.message.bytes', ['61', '2147483647'], [['60', 'must be >= 61'], ['0', 'must be >= 61'], ['2147483648', 'must be a 32-bit integer']]],
  ['min.insync.replicas', ['1', '3'], [['0', 'must be >= 1'], ['1.0', 'must be a 32-bit integer']]],
  ['min.cleanable.dirty.ratio', ['0', '1', '0.5', '5e-1'], [['-0.1', 'must be >= 0'], ['1.01', 'must be <= 1'], ['half', 'must be a number'], ['NaN', 'must be a number'], ['1e999', 'must be a number']]],
  ['cleanup.policy', ['delete', 'compact', 'compact,delete', 'delete,compact'], [['', 'must not be empty'], ['remove', 'item "remove" must be one of compact, delete'], ['delete,', 'item "" must be one of compact, delete']]],
  ['message.timestamp.type', ['CreateTime', 'LogAppendTime'], [['createtime', 'must be one of CreateTime, LogAppendTime'], ['', 'must be one of CreateTime, LogAppendTime']]],
];

for (const [name, accepted, refused] of BOUNDS) {
  test(`${name}: bounds`, async (t) => {
    for (const value of accepted) {
      t.true(validate({ [name]: value }).ok, `${name}=${value} is accepted`);
    }
    for (const [value, problem] of refused) {
      const result = validate({ [name]: value });
      t.false(result.ok, `${name}=${value} is refused`);
      t.is(messageOf(result), `Invalid value ${JSON.stringify(value)} for topic config ${name}: ${problem}`);
      t.is(result.ok ? undefined : result.errorCode, ErrorCode.INVALID_CONFIG);
    }
  });
}

test('every supported config has a bounds test', async (t) => {
  t.deepEqual(BOUNDS.map(([name]) => name).sort(), [...TOPIC_CONFIG_NAMES].sort());
});

test('unknown names are refused with Kafka\'s message', async (t) => {
  const result = validate({ 'retention.ms': '5', 'flush.messages': '1' });
  t.is(messageOf(result), 'Unknown topic config name: flush.messages');
  t.is(result.ok ? undefined : result.errorCode, ErrorCode.INVALID_CONFIG);
  t.is(messageOf(validate({ 'segment.bytes ': null })), 'Unknown topic config name: segment.bytes ', 'names are not trimmed, and null does not excuse them');
});

test('every bad value is reported, each with its config name', async (t) => {
  const message = messageOf(validate({ 'retention.ms': '-7', 'segment.bytes': 'big', 'cleanup.policy': 'delete' }));
  t.true(message.includes('Invalid value "-7" for topic config retention.ms: must be >= -1'), message);
  t.true(message.includes('Invalid value "big" for topic config segment.bytes: must be a 32-bit integer'), message);
  t.false(message.includes('cleanup.policy'), message);
});

test('values are stored normalised', async (t) => {
  t.deepEqual(
    configsOf(validate({ 'retention.ms': ' +007 ', 'min.compaction.lag.ms': '-0', 'cleanup.policy': ' delete , compact,delete ', 'min.cleanable.dirty.ratio': '.50', 'message.timestamp.type': ' LogAppendTime' })),
    { 'retention.ms': '7', 'min.compaction.lag.ms': '0', 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.5', 'message.timestamp.type': 'LogAppendTime' },
  );
  // Bounds apply to the parsed value: "-0" is 0, which segment.ms refuses.
  t.is(messageOf(validate({ 'segment.ms': '-0' })), 'Invalid value "-0" for topic config segment.ms: must be >= 1');
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

test('describe lists every config with Kafka\'s rendering of the defaults', async (t) => {
  const entries = describeTopicConfigs({}, DEFAULT_LOG_CONFIG);
  t.deepEqual(
    Object.fromEntries(entries.map((e) => [e.name, e.value])),
    {
      'cleanup.policy': 'delete',
      'delete.retention.ms': '86400000',
      'max.message.bytes': '1048588',
      'message.timestamp.type': 'CreateTime',
      'min.cleanable.dirty.ratio': '0.5',
      'min.compaction.lag.ms': '0',
      'min.insync.replicas': '1',
      'retention.bytes': '-1',
      'retention.ms': '604800000',
      'segment.bytes': '1073741824',
      'segment.ms': '604800000',
    },
  );
  t.deepEqual(entries.map((e) => e.name), [...TOPIC_CONFIG_NAMES]);
  for (const entry of entries) {
    t.like(entry, { isDefault: true, source: 'broker-default', readOnly: false, sensitive: false });
  }
});

test('describe renders broker defaults that differ from Kafka\'s', async (t) => {
  const render = (defaults: Partial<LogConfig>): string | undefined =>
    describeTopicConfigs({}, { ...DEFAULT_LOG_CONFIG, ...defaults }, ['cleanup.policy', 'retention.ms'])
      .map((e) => e.value)
      .join(' ');
  t.is(render({ cleanupPolicy: { compact: true, delete: false } }), 'compact 604800000');
  t.is(render({ cleanupPolicy: { compact: true, delete: true }, retentionMs: -1 }), 'compact,delete -1');
  t.is(render({ retentionMs: 1e21 }), 'delete 1000000000000000000000', 'no exponent notation');
});

test('describe shows overrides as the topic\'s, and filters by name', async (t) => {
  const configs = configsOf(validate({ 'retention.ms': '1000', 'cleanup.policy': 'delete,compact' }));
  const entries = describeTopicConfigs(configs, DEFAULT_LOG_CONFIG, ['retention.ms', 'segment.ms', 'no.such.config']);
  t.deepEqual(entries, [
    { name: 'retention.ms', value: '1000', isDefault: false, source: 'topic', readOnly: false, sensitive: false },
    { name: 'segment.ms', value: '604800000', isDefault: true, source: 'broker-default', readOnly: false, sensitive: false },
  ]);
  t.is(describeTopicConfigs(configs, DEFAULT_LOG_CONFIG, null).length, TOPIC_CONFIG_NAMES.length);
  t.is(describeTopicConfigs(configs, DEFAULT_LOG_CONFIG, []).length, TOPIC_CONFIG_NAMES.length, 'an empty list means all, as in Kafka');
  t.is(describeTopicConfigs(configs, DEFAULT_LOG_CONFIG).find((e) => e.name === 'cleanup.policy')?.value, 'compact,delete');
});

test('described values validate back to the same configs', async (t) => {
  const configs = configsOf(validate({ 'retention.ms': ' 12 ', 'cleanup.policy': 'delete,compact', 'min.cleanable.dirty.ratio': '0.75' }));
  const described = describeTopicConfigs(configs, DEFAULT_LOG_CONFIG);
  const overrides = described.filter((e) => !e.isDefault);
  t.deepEqual(configsOf(validateTopicConfigs(overrides)), configs);
  // The defaults, made overrides, are valid values too.
  t.true(validateTopicConfigs(described).ok);
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
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'compact'])), { 'cleanup.policy': 'compact,delete' });
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'delete'])), { 'cleanup.policy': 'delete' }, 'an item already there is not added twice');
  t.deepEqual(configsOf(alter({ 'cleanup.policy': 'compact,delete' }, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'delete'])), { 'cleanup.policy': 'compact' });
  t.deepEqual(configsOf(alter({}, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'compact'])), { 'cleanup.policy': 'delete' });
  const compacting = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: { compact: true, delete: false } };
  const applied = applyIncrementalAlter({}, [{ name: 'cleanup.policy', op: AlterConfigOp.APPEND, value: 'delete' }], compacting);
  t.deepEqual(configsOf(applied), { 'cleanup.policy': 'compact,delete' }, 'the broker\'s default is the starting point');
});

test('incremental results are validated like a full set', async (t) => {
  t.is(messageOf(alter({}, ['cleanup.policy', AlterConfigOp.SUBTRACT, 'delete'])), 'Invalid value "" for topic config cleanup.policy: must not be empty');
  t.is(messageOf(alter({}, ['cleanup.policy', AlterConfigOp.APPEND, 'purge'])), 'Invalid value "delete,purge" for topic config cleanup.policy: item "purge" must be one of compact, delete');
  t.is(messageOf(alter({}, ['retention.ms', AlterConfigOp.SET, '-3'])), 'Invalid value "-3" for topic config retention.ms: must be >= -1');
  t.is(messageOf(alter({}, ['flush.ms', AlterConfigOp.SET, '5'])), 'Unknown topic config name: flush.ms');
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
