import path from 'node:path';
import test from 'ava';
import { ConnectError } from '../../../../connect/api/index.ts';
import { ajv } from '../../../../core/base/index.ts';
import { FILE_SOURCE_CONFIG_SCHEMA, FileSourceConnector, FileSourceTask, fileSourcePlugin, parseFileSourceConfig } from '../../../../connectors/file-source/index.ts';

test('the plugin answers to Brook\'s and Kafka\'s names', (t) => {
  t.is(fileSourcePlugin.className, 'file-source');
  t.deepEqual(fileSourcePlugin.aliases, ['FileStreamSource', 'org.apache.kafka.connect.file.FileStreamSourceConnector']);
  t.is(fileSourcePlugin.type, 'source');
  t.regex(fileSourcePlugin.version, /^\d+\.\d+\.\d+$/);
  t.true(fileSourcePlugin.create() instanceof FileSourceConnector);
});

test('the shared ajv fills in every default of the schema', (t) => {
  const validate = ajv.compile(FILE_SOURCE_CONFIG_SCHEMA);
  const config: Record<string, unknown> = { file: '/var/log/app.log', topic: 't' };
  t.true(validate(config));
  t.deepEqual(config, {
    file: '/var/log/app.log',
    topic: 't',
    'batch.size': 2000,
    'start.position': 'beginning',
    'poll.interval.ms': 1000,
    'flush.after.idle.ms': -1,
    'rotated.close.idle.ms': 5000,
    'max.line.bytes': 1_000_000,
    'read.buffer.bytes': 65_536,
  });
});

test('a Kafka FileStreamSource config works unchanged', (t) => {
  const parsed = parseFileSourceConfig({ file: 'relative/app.log', topic: 'connect-test', 'batch.size': 100 });
  t.deepEqual(parsed.selection, { kind: 'file', path: path.resolve('relative/app.log') });
  t.is(parsed.batchSize, 100);
  t.is(parsed.flushAfterIdleMs, null);
});

test('errors name the field', (t) => {
  const message = (config: Record<string, unknown>): string => t.throws(() => parseFileSourceConfig(config), { instanceOf: ConnectError }).message;
  t.regex(message({ file: '/a' }), /topic: is required/);
  t.regex(message({ file: '/a', topic: 't', 'batch.size': 0 }), /batch\.size: must be >= 1/);
  t.regex(message({ file: '/a', topic: 't', 'start.position': 'middle' }), /start\.position: must be one of beginning, end/);
  t.regex(message({ file: '/a', topic: 't', fiel: 'x' }), /unknown field "fiel"/);
  t.regex(message({ file: '/a', glob: '/b/*', topic: 't' }), /exactly one of file and glob/);
  t.regex(message({ topic: 't' }), /exactly one of file and glob/);
  t.regex(message({ glob: '/logs/{a,b', topic: 't' }), /glob: unbalanced braces/);
  t.regex(message({ file: 'a\u0000b', topic: 't' }), /file: must match pattern/);
});

test('the connector runs one task whatever tasks.max says, with its config', async (t) => {
  const connector = fileSourcePlugin.create();
  connector.initialize({} as never);
  await connector.start({ glob: '/logs/*.log', topic: 't' } as never);
  t.deepEqual(await connector.taskConfigs(4), [{ glob: '/logs/*.log', topic: 't' }]);
  t.is(connector.taskClass(), FileSourceTask);
  t.throws(() => connector.start({ topic: 't' } as never), { instanceOf: ConnectError });
});
