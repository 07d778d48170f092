import test from 'ava';
import { RecordAccumulator } from '../../../client/producer/record-accumulator.ts';
import type { RecordSink } from '../../../client/producer/record-accumulator.ts';

const sink: RecordSink = { done: () => undefined, fail: () => undefined };
const value = Buffer.alloc(100, 1);

test('a batch starts with a small buffer that grows to hold what arrives, whatever batchSize allows', (t) => {
  const closed: number[] = [];
  const accumulator = new RecordAccumulator(1_000_000, (batch) => closed.push(batch.count));
  for (let p = 0; p < 3; p++) accumulator.append('quiet', p, null, value, undefined, Date.now(), 200, sink, 0);
  for (let p = 0; p < 3; p++) {
    const batch = accumulator.queueFor('quiet', p).queue[0]!;
    t.true(batch.detachBuffer().length <= 16 * 1024, 'one record does not take a batchSize buffer');
  }

  for (let i = 0; i < 5000; i++) accumulator.append('busy', 0, null, value, undefined, Date.now(), 200, sink, i);
  const busy = accumulator.queueFor('busy', 0).queue[0]!;
  t.is(busy.count, 5000);
  t.deepEqual(closed, []);
  t.true(busy.detachBuffer().length >= busy.bytes, 'the buffer grew to hold every record');
});

test('a batch closes once it reaches batchSize', (t) => {
  const closed: number[] = [];
  const accumulator = new RecordAccumulator(20_000, (batch) => closed.push(batch.bytes));
  for (let i = 0; i < 500; i++) accumulator.append('t', 0, null, value, undefined, Date.now(), 200, sink, i);
  t.true(closed.length >= 2);
  for (const bytes of closed) t.true(bytes <= 20_000, `a closed batch of ${bytes} bytes`);
});
