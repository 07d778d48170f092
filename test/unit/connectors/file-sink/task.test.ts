import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { SinkRecord, SinkTaskContext } from '../../../../connect/api/index.ts';
import { ConnectError, Schemas, TimestampType } from '../../../../connect/api/index.ts';
import { ajv, VirtualScheduler } from '../../../../core/base/index.ts';
import { FILE_SINK_CONFIG_SCHEMA, FileSinkConnector, FileSinkTask, fileSinkPlugin, sidecarPath, toJson } from '../../../../connectors/file-sink/index.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

function record(offset: number, value: unknown, topic = 'in', partition = 0): SinkRecord {
  return {
    topic,
    kafkaPartition: partition,
    kafkaOffset: BigInt(offset),
    originalTopic: topic,
    originalKafkaPartition: partition,
    originalKafkaOffset: BigInt(offset),
    keySchema: null,
    key: null,
    valueSchema: typeof value === 'string' ? Schemas.STRING : null,
    value,
    timestamp: 0,
    timestampType: TimestampType.CREATE_TIME,
    headers: [],
  };
}

function range(from: number, to: number, partition = 0): SinkRecord[] {
  return Array.from({ length: to - from }, (_, i) => record(from + i, `p${partition} r${from + i}`, 'in', partition));
}

interface Started {
  readonly task: FileSinkTask;
  readonly logs: string[];
}

async function startSink(t: ExecutionContext, config: Record<string, unknown>): Promise<Started> {
  const logs: string[] = [];
  const log = (_fields: object, message?: string): void => {
    logs.push(message ?? '');
  };
  const context: SinkTaskContext = {
    scheduler: new VirtualScheduler(),
    logger: { trace: log, debug: log, info: log, warn: log, error: log },
    configs: config,
    offset: () => undefined,
    timeout: () => undefined,
    assignment: () => [],
    pause: () => undefined,
    resume: () => undefined,
    requestCommit: () => undefined,
    errantRecordReporter: () => null,
  };
  const task = new FileSinkTask();
  task.initialize(context);
  await task.start(config);
  t.teardown(() => task.stop());
  return { task, logs };
}

function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

test('values become lines: strings and bytes as they are, other values as JSON', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const { task } = await startSink(t, { file });
  await task.put([
    record(0, 'plain text'),
    record(1, Buffer.from('raw bytes')),
    record(2, { id: 7n, name: 'x', tags: ['a', 'b'], blob: new Uint8Array([1, 2, 3]), at: new Date(Date.UTC(2024, 0, 2)), price: { unscaled: -12345n, scale: 2 } }),
    record(3, null),
    record(4, 42),
    record(5, new Map([['k', 1]])),
  ]);
  await task.flush();
  t.deepEqual(readLines(file), [
    'plain text',
    'raw bytes',
    '{"id":7,"name":"x","tags":["a","b"],"blob":"AQID","at":"2024-01-02T00:00:00.000Z","price":-123.45}',
    'null',
    '42',
    '{"k":1}',
  ]);
  t.is(toJson(2n ** 63n - 1n), '9223372036854775807', 'int64 keeps every digit');
});

test('put() buffers and flush() writes and syncs, appending to what the file held', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  fs.writeFileSync(file, 'before\n');
  const { task } = await startSink(t, { file, 'offsets.sidecar.enable': false });
  await task.put(range(0, 3));
  t.deepEqual(readLines(file), ['before'], 'nothing written before the buffer fills or a flush');
  await task.flush();
  t.deepEqual(readLines(file), ['before', 'p0 r0', 'p0 r1', 'p0 r2']);
});

test('a full write buffer is written out before any flush', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const { task } = await startSink(t, { file, 'write.buffer.bytes': 10 });
  await task.put(range(0, 3));
  t.deepEqual(readLines(file), ['p0 r0', 'p0 r1', 'p0 r2']);
});

test('after a crash the file is cut back to its checkpoint and each record is written once', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const first = await startSink(t, { file, 'write.buffer.bytes': 1 });
  await first.task.put([...range(0, 5, 0), ...range(0, 3, 1)]);
  await first.task.flush();
  // Written past the checkpoint (the buffer is tiny), never flushed, never committed: then the worker dies.
  await first.task.put([...range(5, 8, 0), ...range(3, 4, 1)]);
  t.is(readLines(file).length, 12);
  await first.task.stop();
  // A torn last line, as a kill in the middle of a write leaves it.
  fs.appendFileSync(file, 'p0 r8 half');

  // The worker resends from its last commit, which lags the checkpoint.
  const second = await startSink(t, { file });
  t.true(second.logs.some((message) => message.includes('cutting the file back')));
  await second.task.put([...range(2, 10, 0), ...range(1, 5, 1)]);
  await second.task.flush();
  t.deepEqual(readLines(file), [...range(0, 5, 0), ...range(0, 3, 1), ...range(5, 10, 0), ...range(3, 5, 1)].map((r) => r.value));
});

test('a crash before the first flush cuts the file back to what it held before the sink', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  fs.writeFileSync(file, 'theirs\n');
  const first = await startSink(t, { file, 'write.buffer.bytes': 1 });
  await first.task.put(range(0, 3));
  t.is(readLines(file).length, 4);
  await first.task.stop();
  const second = await startSink(t, { file });
  await second.task.put(range(0, 4));
  await second.task.flush();
  t.deepEqual(readLines(file), ['theirs', ...range(0, 4).map((r) => r.value)]);
});

test('without the sidecar a crash repeats records but loses none', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const first = await startSink(t, { file, 'offsets.sidecar.enable': false });
  await first.task.put(range(0, 5));
  await first.task.flush();
  await first.task.stop();
  const second = await startSink(t, { file, 'offsets.sidecar.enable': false });
  await second.task.put(range(3, 7));
  await second.task.flush();
  t.deepEqual(readLines(file), [...range(0, 5), ...range(3, 7)].map((r) => r.value));
  t.false(fs.existsSync(sidecarPath(file)));
});

test('records are tracked by their original topic and partition, which transforms do not change', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const first = await startSink(t, { file });
  await first.task.put([{ ...record(0, 'a'), topic: 'renamed' }]);
  await first.task.flush();
  await first.task.stop();
  const second = await startSink(t, { file });
  await second.task.put([record(0, 'a'), record(1, 'b')]);
  await second.task.flush();
  t.deepEqual(readLines(file), ['a', 'b']);
});

test('a sidecar that is not a checkpoint is replaced with a warning, and the file is left alone', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  fs.writeFileSync(file, 'kept\n');
  fs.writeFileSync(sidecarPath(file), '{"version":1,"fileLength":0,"offsets":[{"topic":"in","partition":0,"offset":"x"}]}');
  const { task, logs } = await startSink(t, { file });
  t.true(logs.some((message) => message.includes('not one this sink wrote')));
  await task.put(range(0, 1));
  await task.flush();
  t.deepEqual(readLines(file), ['kept', 'p0 r0']);
});

test('a file rotated away since the checkpoint is appended to, without rewriting what was written', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.txt');
  const first = await startSink(t, { file });
  await first.task.put(range(0, 4));
  await first.task.flush();
  await first.task.stop();
  fs.renameSync(file, path.join(dir, 'out.txt.1'));
  const second = await startSink(t, { file });
  t.true(second.logs.some((message) => message.includes('shorter than at the last checkpoint')));
  await second.task.put(range(2, 6));
  await second.task.flush();
  t.deepEqual(readLines(file), ['p0 r4', 'p0 r5']);
});

test('a redelivered batch in the same run is not written twice', async (t) => {
  const file = path.join(tempDir(t), 'out.txt');
  const { task } = await startSink(t, { file });
  await task.put(range(0, 3));
  await task.put(range(1, 4));
  await task.flush();
  t.deepEqual(readLines(file), range(0, 4).map((r) => r.value));
});

test('the file must be a regular file', async (t) => {
  const dir = tempDir(t);
  const task = new FileSinkTask();
  await t.throwsAsync(() => task.start({ file: dir }));
});

test('the plugin answers to Brook\'s and Kafka\'s names; its schema has defaults and names wrong fields', async (t) => {
  t.is(fileSinkPlugin.className, 'file-sink');
  t.deepEqual(fileSinkPlugin.aliases, ['FileStreamSink', 'org.apache.kafka.connect.file.FileStreamSinkConnector']);
  t.is(fileSinkPlugin.type, 'sink');
  const validate = ajv.compile(FILE_SINK_CONFIG_SCHEMA);
  const config: Record<string, unknown> = { file: '/tmp/x' };
  t.true(validate(config));
  t.deepEqual(config, { file: '/tmp/x', 'offsets.sidecar.enable': true, 'write.buffer.bytes': 262_144 });
  const connector = fileSinkPlugin.create();
  t.true(connector instanceof FileSinkConnector);
  t.throws(() => connector.start({} as never), { instanceOf: ConnectError, message: /file: is required/ });
  t.throws(() => connector.start({ file: '/x', 'write.buffer.bytes': 0 } as never), { message: /write\.buffer\.bytes: must be >= 1/ });
  await connector.start({ file: '/x', topics: 'a,b' } as never);
  t.deepEqual(await connector.taskConfigs(3), [{ file: '/x', topics: 'a,b' }]);
  t.is(connector.taskClass(), FileSinkTask);
});
