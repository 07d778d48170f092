import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { BrokerConfigError } from '../../../../broker/config/errors.ts';
import { BROKER_CONFIG_SCHEMA, loadBrokerConfig, logDefaults, resolveBrokerConfig } from '../../../../broker/config/broker-config.ts';
import { DEFAULT_LOG_CONFIG, resolveLogConfig } from '../../../../core/log/index.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

function rejects(input: unknown): BrokerConfigError {
  let caught: unknown;
  try {
    resolveBrokerConfig(input);
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof BrokerConfigError)) throw new Error(`expected a BrokerConfigError, got ${String(caught)}`);
  return caught;
}

test('fills every default and leaves advertisedPort unset', (t) => {
  const config = resolveBrokerConfig({ dataDir: '/var/brook' });
  t.deepEqual(config, {
    dataDir: '/var/brook',
    host: '127.0.0.1',
    port: 9092,
    advertisedHost: 'localhost',
    nodeId: 0,
    autoCreateTopics: true,
    numPartitions: 1,
    socketRequestMaxBytes: 104_857_600,
    connectionsMaxIdleMs: 600_000,
    logLevel: 'info',
    log: {
      flushPolicy: 'every-append',
      flushIntervalMs: 1000,
      visibility: 'append',
      segmentBytes: 1_073_741_824,
      segmentMs: 604_800_000,
      retentionMs: 604_800_000,
      retentionBytes: -1,
      maxMessageBytes: 1_048_588,
      retentionCheckIntervalMs: 300_000,
      cleanerIntervalMs: 15_000,
    },
    groups: {
      initialRebalanceDelayMs: 3000,
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 1_800_000,
      maxSize: 1000,
      offsetsTopicPartitions: 50,
      offsetsTopicSegmentBytes: 104_857_600,
      offsetsRetentionMs: 604_800_000,
      offsetsRetentionCheckIntervalMs: 600_000,
      offsetMetadataMaxBytes: 4096,
    },
    transactions: {
      maxTimeoutMs: 900_000,
      abortTimedOutCheckIntervalMs: 10_000,
      markerRetryBackoffMs: 100,
      stateLogPartitions: 50,
      stateLogSegmentBytes: 104_857_600,
    },
  });
  t.false('advertisedPort' in config);
});

test('fills the defaults of a partly given log section', (t) => {
  const config = resolveBrokerConfig({ dataDir: 'd', log: { flushPolicy: 'none' } });
  t.is(config.log.flushPolicy, 'none');
  t.is(config.log.segmentBytes, 1_073_741_824);
});

test('never modifies its input, and each result is a fresh object', (t) => {
  const input = { dataDir: 'd', log: { segmentMs: 5 } };
  const a = resolveBrokerConfig(input);
  const b = resolveBrokerConfig(input);
  t.deepEqual(input, { dataDir: 'd', log: { segmentMs: 5 } });
  a.log.segmentMs = 99;
  t.is(b.log.segmentMs, 5);
});

test('keeps given values, drops undefined ones', (t) => {
  const config = resolveBrokerConfig({ dataDir: 'd', port: 0, advertisedPort: 19092, host: '0.0.0.0', logLevel: 'silent', nodeId: undefined });
  t.is(config.port, 0);
  t.is(config.advertisedPort, 19092);
  t.is(config.host, '0.0.0.0');
  t.is(config.logLevel, 'silent');
  t.is(config.nodeId, 0);
});

const bounds: [field: string, ok: unknown[], bad: unknown[]][] = [
  ['port', [0, 65535], [-1, 65536, 1.5, '9092']],
  ['advertisedPort', [1, 65535], [0, 65536]],
  ['nodeId', [0, 7], [-1, 0.5]],
  ['numPartitions', [1, 10000], [0, 10001]],
  ['socketRequestMaxBytes', [1024, 2_147_483_647], [1023, 2_147_483_648]],
  ['connectionsMaxIdleMs', [0, 1], [-1]],
  ['autoCreateTopics', [false], ['yes', 1]],
  ['logLevel', ['trace', 'fatal'], ['verbose', '']],
  ['host', ['::'], [1]],
  ['dataDir', ['x'], ['', 3]],
];

for (const [field, ok, bad] of bounds) {
  test(`${field}: accepts ${ok.map((v) => JSON.stringify(v)).join(', ')}; rejects ${bad.map((v) => JSON.stringify(v)).join(', ')}`, (t) => {
    for (const value of ok) {
      t.deepEqual((resolveBrokerConfig({ dataDir: 'd', [field]: value }) as Record<string, unknown>)[field], value);
    }
    for (const value of bad) {
      const err = rejects({ dataDir: 'd', [field]: value });
      t.is(err.code, 'ERR_BROKER_CONFIG');
      t.regex(err.message, new RegExp(`\\b${field}\\b`), `${field}=${JSON.stringify(value)}`);
    }
  });
}

const logBounds: [field: string, ok: unknown[], bad: unknown[]][] = [
  ['flushPolicy', ['interval', 'none', 'every-append'], ['always']],
  ['flushIntervalMs', [1], [0]],
  ['visibility', ['append', 'durable'], ['synced']],
  ['segmentBytes', [1024, 2_147_483_647], [1023, 2_147_483_648]],
  ['segmentMs', [1], [0]],
  ['retentionMs', [-1, 0], [-2]],
  ['retentionBytes', [-1, 0], [-2]],
  ['maxMessageBytes', [61, 1_048_588], [60, 1.5]],
  ['retentionCheckIntervalMs', [1], [0]],
  ['cleanerIntervalMs', [1], [0]],
];

for (const [field, ok, bad] of logBounds) {
  test(`log.${field}: accepts ${ok.map((v) => JSON.stringify(v)).join(', ')}; rejects ${bad.map((v) => JSON.stringify(v)).join(', ')}`, (t) => {
    for (const value of ok) {
      t.deepEqual((resolveBrokerConfig({ dataDir: 'd', log: { [field]: value } }).log as Record<string, unknown>)[field], value);
    }
    for (const value of bad) {
      t.true(rejects({ dataDir: 'd', log: { [field]: value } }).message.includes(`log.${field}`), `log.${field}=${JSON.stringify(value)}`);
    }
  });
}

test('a missing dataDir is named', (t) => {
  t.regex(rejects({}).message, /dataDir/);
});

test('an unknown field is named, at the top level and in the log section', (t) => {
  t.regex(rejects({ dataDir: 'd', prot: 9092 }).message, /\bprot\b/);
  t.regex(rejects({ dataDir: 'd', log: { segmentByte: 2048 } }).message, /segmentByte\b/);
});

test('every bad field is named in one message', (t) => {
  const message = rejects({ dataDir: '', port: 70000, log: { flushPolicy: 'sometimes' }, extra: true }).message;
  t.true(message.includes('dataDir'), message);
  t.true(message.includes('port'), message);
  t.true(message.includes('log.flushPolicy'), message);
  t.true(message.includes('extra'), message);
});

test('anything other than an object is refused', (t) => {
  for (const input of [null, 42, 'dataDir', [], undefined]) {
    t.is(rejects(input).code, 'ERR_BROKER_CONFIG');
  }
});

test('values that are not plain data are refused with a BrokerConfigError', (t) => {
  t.regex(rejects({ dataDir: 'd', host: () => 'h' }).message, /plain JSON/);
});

test('the schema refuses unknown fields at both levels', (t) => {
  t.false(BROKER_CONFIG_SCHEMA.additionalProperties);
  t.false(BROKER_CONFIG_SCHEMA.properties.log.additionalProperties);
});

test('logDefaults maps the log section onto a LogConfig core/log accepts', (t) => {
  const config = resolveBrokerConfig({ dataDir: 'd', log: { flushPolicy: 'interval', flushIntervalMs: 50, visibility: 'durable', segmentBytes: 4096, retentionBytes: 1_000_000 } });
  const defaults = logDefaults(config);
  t.deepEqual(defaults, {
    flushPolicy: 'interval',
    flushIntervalMs: 50,
    visibility: 'durable',
    segmentBytes: 4096,
    segmentMs: 604_800_000,
    retentionMs: 604_800_000,
    retentionBytes: 1_000_000,
    maxMessageBytes: 1_048_588,
  });
  const log = resolveLogConfig(defaults);
  t.is(log.segmentBytes, 4096);
  t.is(log.visibility, 'durable');
  t.is(log.indexIntervalBytes, DEFAULT_LOG_CONFIG.indexIntervalBytes);
});

test('loadBrokerConfig: defined overrides win over the file, nested sections merge', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'broker.json');
  fs.writeFileSync(file, JSON.stringify({ dataDir: '/from/file', port: 9093, host: '0.0.0.0', log: { segmentMs: 1000, flushPolicy: 'none' } }));
  const config = loadBrokerConfig({
    file,
    overrides: { dataDir: '/from/flag', port: 19092, host: undefined, advertisedPort: undefined, log: { segmentMs: 2000 } },
  });
  t.is(config.dataDir, '/from/flag');
  t.is(config.port, 19092);
  t.is(config.host, '0.0.0.0');
  t.false('advertisedPort' in config);
  t.is(config.log.segmentMs, 2000);
  t.is(config.log.flushPolicy, 'none');
  t.is(config.advertisedHost, 'localhost');
});

test('loadBrokerConfig: without a file, the overrides alone', (t) => {
  const config = loadBrokerConfig({ overrides: { dataDir: 'd', logLevel: undefined } });
  t.is(config.dataDir, 'd');
  t.is(config.logLevel, 'info');
});

test('loadBrokerConfig: a bad value in the file is named', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'broker.json');
  fs.writeFileSync(file, JSON.stringify({ dataDir: 'd', log: { flushPolicy: 'sometimes' } }));
  const err = t.throws(() => loadBrokerConfig({ file, overrides: {} }), { instanceOf: BrokerConfigError });
  t.regex(err.message, /log\.flushPolicy/);
});

test('loadBrokerConfig: a "__proto__" key is an unknown field, not a prototype', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'broker.json');
  fs.writeFileSync(file, '{"dataDir": "d", "__proto__": {"port": 1}}');
  const err = t.throws(() => loadBrokerConfig({ file, overrides: { port: 9 } }), { instanceOf: BrokerConfigError });
  t.regex(err.message, /__proto__/);
});

test('loadBrokerConfig: a missing file is named', (t) => {
  const file = path.join(tempDir(t), 'nope.json');
  const err = t.throws(() => loadBrokerConfig({ file, overrides: { dataDir: 'd' } }), { instanceOf: BrokerConfigError });
  t.is(err.code, 'ERR_BROKER_CONFIG');
  t.true(err.message.includes(file), err.message);
  t.regex(err.message, /ENOENT|no such file/);
});

test('loadBrokerConfig: bad JSON names the file and where it went wrong', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'broker.json');
  fs.writeFileSync(file, '{\n  "dataDir": "d",\n  "port": ,\n}\n');
  const err = t.throws(() => loadBrokerConfig({ file, overrides: {} }), { instanceOf: BrokerConfigError });
  t.is(err.code, 'ERR_BROKER_CONFIG');
  t.true(err.message.includes(file), err.message);
  t.true(err.message.includes('line 3, column 11'), err.message);
  t.true(err.cause instanceof SyntaxError);
});

test('loadBrokerConfig: bad JSON positions for other mistakes', (t) => {
  const dir = tempDir(t);
  const cases: [text: string, where: string][] = [
    ['{"dataDir": "d",}', 'line 1, column 17'],
    ['{"dataDir": "d"', 'end of the file'],
    ['', 'end of the file'],
    ['{"dataDir": tru}', 'line 1, column 16'],
    ['{"dataDir": "a\\x"}', 'line 1, column 16'],
    ['{"port": 01}', 'line 1, column 11'],
    ['[1, 2] 3', 'line 1, column 8'],
    ['\uFEFF{"a": [1 2]}', 'line 1, column 10'],
  ];
  for (const [text, where] of cases) {
    const file = path.join(dir, 'broker.json');
    fs.writeFileSync(file, text);
    const err = t.throws(() => loadBrokerConfig({ file, overrides: {} }), { instanceOf: BrokerConfigError });
    t.true(err.message.includes(where), `${JSON.stringify(text)}: ${err.message}`);
  }
});

test('loadBrokerConfig: a file with a BOM is read', (t) => {
  const file = path.join(tempDir(t), 'broker.json');
  fs.writeFileSync(file, '\uFEFF{"dataDir": "d"}');
  t.is(loadBrokerConfig({ file, overrides: {} }).dataDir, 'd');
});

test('loadBrokerConfig: a file that holds something other than an object is refused', (t) => {
  const file = path.join(tempDir(t), 'broker.json');
  fs.writeFileSync(file, '[{"dataDir": "d"}]');
  const err = t.throws(() => loadBrokerConfig({ file, overrides: {} }), { instanceOf: BrokerConfigError });
  t.true(err.message.includes(file));
  t.regex(err.message, /JSON object/);
});
