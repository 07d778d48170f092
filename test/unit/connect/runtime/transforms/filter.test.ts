import test from 'ava';
import { RetryWithToleranceOperator } from '../../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { VirtualScheduler } from '../../../../../core/base/index.ts';
import { Plugins } from '../../../../../connect/runtime/plugins.ts';
import { TransformationChain } from '../../../../../connect/runtime/transforms/transformation-chain.ts';
import { validateConnectorConfig } from '../../../../../connect/runtime/config/validate.ts';
import { countingLikePlugin } from '../config/plugin.ts';
import { sourceRecord } from './records.ts';

const plugins = new Plugins([countingLikePlugin], 'test');
const defaults = { keyConverter: 'JsonConverter', valueConverter: 'JsonConverter', headerConverter: 'SimpleHeaderConverter' };

function chain(config: Record<string, string>): TransformationChain {
  const outcome = validateConnectorConfig(plugins, defaults, { name: 'c', 'connector.class': 'counting', topic: 't', ...config });
  if (outcome.valid === undefined) throw new Error(JSON.stringify(outcome.fields.filter((f) => f.errors.length > 0)));
  return new TransformationChain(outcome.valid.transforms);
}

const operator = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'none' }, new VirtualScheduler());

test('Filter with TopicNameMatches drops matching records only', async (t) => {
  const c = chain({ transforms: 'drop', 'transforms.drop.type': 'Filter', 'transforms.drop.predicate': 'isLog', predicates: 'isLog', 'predicates.isLog.type': 'TopicNameMatches', 'predicates.isLog.pattern': 'log-.*' });
  t.is(await c.apply(sourceRecord(null, 1, { topic: 'log-1' }), operator, {}), null);
  t.not(await c.apply(sourceRecord(null, 1, { topic: 'orders' }), operator, {}), null);
});

test('negate inverts the predicate; RecordIsTombstone and HasHeaderKey match as Kafka', async (t) => {
  const keepTombstones = chain({
    transforms: 'drop',
    'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
    'transforms.drop.predicate': 'tomb',
    'transforms.drop.negate': 'true',
    predicates: 'tomb',
    'predicates.tomb.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
  });
  t.not(await keepTombstones.apply(sourceRecord(null, null), operator, {}), null);
  t.is(await keepTombstones.apply(sourceRecord(null, 1), operator, {}), null);
  const byHeader = chain({ transforms: 'drop', 'transforms.drop.type': 'Filter', 'transforms.drop.predicate': 'h', predicates: 'h', 'predicates.h.type': 'HasHeaderKey', 'predicates.h.name': 'skip' });
  t.is(await byHeader.apply(sourceRecord(null, 1, { headers: [{ key: 'skip', schema: null, value: 'y' }] }), operator, {}), null);
  t.not(await byHeader.apply(sourceRecord(null, 1), operator, {}), null);
});

test('transforms run in order: InsertField$Value then RegexRouter', async (t) => {
  const c = chain({
    transforms: 'ins,route',
    'transforms.ins.type': 'InsertField$Value',
    'transforms.ins.static.field': 'src',
    'transforms.ins.static.value': 'brook',
    'transforms.route.type': 'RegexRouter',
    'transforms.route.regex': 'orders',
    'transforms.route.replacement': 'orders-v2',
  });
  const out = await c.apply(sourceRecord(null, { a: 1 }), operator, {});
  t.like(out, { topic: 'orders-v2', value: { a: 1, src: 'brook' } });
});
