import test from 'ava';
import { Serdes, resolveStreamsConfig } from '../../../streams/index.ts';

test('defaults are Kafka Streams’ own', (t) => {
  const config = resolveStreamsConfig({ applicationId: 'app', bootstrapServers: 'localhost:9092' });
  t.is(config.commitIntervalMs, 30_000);
  t.is(config.processingGuarantee, 'at_least_once');
  t.is(config.maxTaskIdleMs, 0);
  t.is(config.bufferedRecordsPerPartition, 1000);
  t.is(config.deserializationExceptionHandler, 'logAndFail');
  t.is(config.processingExceptionHandler, 'logAndFail');
  t.true(config.stateDir.length > 0);
});

test('exactly_once_v2 commits every 100 ms unless told otherwise', (t) => {
  t.is(resolveStreamsConfig({ applicationId: 'app', bootstrapServers: 'b:9092', processingGuarantee: 'exactly_once_v2' }).commitIntervalMs, 100);
  t.is(resolveStreamsConfig({ applicationId: 'app', bootstrapServers: 'b:9092', processingGuarantee: 'exactly_once_v2', commitIntervalMs: 5 }).commitIntervalMs, 5);
});

test('functions and serdes pass beside the schema', (t) => {
  const handler = (): 'continue' => 'continue';
  const config = resolveStreamsConfig({ applicationId: 'app', bootstrapServers: ['b:9092'], processingExceptionHandler: handler, defaultKeySerde: Serdes.String(), producer: { acks: 'all' } as never });
  t.is(config.processingExceptionHandler, handler);
  t.is(config.defaultKeySerde, Serdes.String() as never);
  t.deepEqual(config.producer, { acks: 'all' });
});

test('errors name every bad field', (t) => {
  const error = t.throws(() =>
    resolveStreamsConfig({ applicationId: 'bad id!', bootstrapServers: 'b', commitIntervalMs: -1, processingGuarantee: 'exactly_once' as never, extra: 1 } as never),
  );
  t.is((error as { code?: string }).code, 'ERR_STREAMS_INVALID_CONFIG');
  t.regex(error.message, /applicationId: must match pattern/);
  t.regex(error.message, /commitIntervalMs: must be >= 0/);
  t.regex(error.message, /processingGuarantee: must be one of at_least_once, exactly_once_v2/);
  t.regex(error.message, /unknown field "extra"/);
  t.throws(() => resolveStreamsConfig({ bootstrapServers: 'b' } as never), { message: /applicationId: is required/ });
});
