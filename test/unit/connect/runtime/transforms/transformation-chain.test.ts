import test from 'ava';
import { VirtualScheduler } from '../../../../../core/base/index.ts';
import type { ConnectRecord, SourceRecord, Transformation } from '../../../../../connect/api/index.ts';
import { dataError, retriableError } from '../../../../../connect/api/index.ts';
import type { ConfiguredTransform } from '../../../../../connect/runtime/config/validate.ts';
import { RetryWithToleranceOperator } from '../../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { FAILED, TransformationChain } from '../../../../../connect/runtime/transforms/transformation-chain.ts';
import { collectingReporter } from '../worker-task-fixtures.ts';
import { sourceRecord } from './records.ts';

/** A transform from a function, as the chain gets it from its plugin. */
function transform(className: string, apply: <R extends ConnectRecord>(record: R) => R | null): ConfiguredTransform {
  const transformation: Transformation = { configure: () => undefined, apply };
  return {
    alias: className,
    plugin: { type: 'transformation', className, aliases: [], version: '1', configSchema: { type: 'object', properties: {} }, create: () => transformation },
    config: {},
    predicate: undefined,
    negate: false,
  };
}

const suffix = (text: string) => transform(`Suffix${text}`, (r) => ({ ...r, value: `${String(r.value)}${text}` }));

const dlq = collectingReporter;

test('applyNow transforms without a promise while every transform succeeds', (t) => {
  const chain = new TransformationChain([suffix('-a'), suffix('-b')]);
  const operator = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'none' }, new VirtualScheduler());
  const out = chain.applyNow(sourceRecord(null, 'v'), operator, {});
  t.false(out instanceof Promise);
  t.is((out as SourceRecord).value, 'v-a-b');
  t.true(new TransformationChain([]).empty);
});

test('a failing transform is reported with the record it was given, and the record is FAILED', async (t) => {
  const reporter = dlq();
  const operator = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'all' }, new VirtualScheduler(), [reporter]);
  const broken = transform('Broken', () => {
    throw dataError('cannot');
  });
  const chain = new TransformationChain([suffix('-a'), broken, suffix('-b')]);
  const out = chain.applyNow(sourceRecord(null, 'v'), operator, { record: 'ignored' });
  t.true(out instanceof Promise);
  t.is(await out, FAILED);
  t.is(reporter.seen.length, 1);
  t.is(reporter.seen[0]!.executingClass, 'Broken');
  t.is((reporter.seen[0]!.record as SourceRecord).value, 'v-a');
});

test('a transform that fails retriably and then succeeds lets the rest of the chain run', async (t) => {
  const scheduler = new VirtualScheduler();
  const operator = new RetryWithToleranceOperator({ retryTimeoutMs: -1, retryDelayMaxMs: 1000, tolerance: 'none' }, scheduler);
  let calls = 0;
  const flaky = transform('Flaky', (r) => {
    if (++calls < 3) throw retriableError('busy');
    return { ...r, value: `${String(r.value)}-flaky` };
  });
  const chain = new TransformationChain([flaky, suffix('-b')]);
  const out = chain.applyNow(sourceRecord(null, 'v'), operator, {});
  await scheduler.tick(1000);
  t.is(((await out) as SourceRecord).value, 'v-flaky-b');
  t.is(calls, 3);
});

test('a transform returning null drops the record, with or without a failure before it', async (t) => {
  const scheduler = new VirtualScheduler();
  const operator = new RetryWithToleranceOperator({ retryTimeoutMs: -1, retryDelayMaxMs: 1000, tolerance: 'none' }, scheduler);
  const drop = transform('Drop', () => null);
  t.is(new TransformationChain([drop, suffix('-b')]).applyNow(sourceRecord(null, 'v'), operator, {}), null);
  let calls = 0;
  const flaky = transform('Flaky', (r) => {
    if (++calls < 2) throw retriableError('busy');
    return r;
  });
  const out = new TransformationChain([flaky, drop]).applyNow(sourceRecord(null, 'v'), operator, {});
  await scheduler.tick(1000);
  t.is(await out, null);
});
