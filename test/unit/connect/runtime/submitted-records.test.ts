import test from 'ava';
import { SubmittedRecords } from '../../../../connect/runtime/submitted-records.ts';

test('an offset becomes committable only once every earlier record of its partition is acknowledged', (t) => {
  const submitted = new SubmittedRecords();
  const partition = { file: 'a' };
  const first = submitted.submit(partition, { position: 1 });
  const second = submitted.submit(partition, { position: 2 });
  const third = submitted.submit(partition, { position: 3 });
  t.is(submitted.pending, 3);
  second.ack();
  third.ack();
  t.deepEqual(submitted.committable(), []);
  first.ack();
  t.is(submitted.pending, 0);
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 3 } }]);
  // Nothing moved since: nothing to store again.
  t.deepEqual(submitted.committable(), []);
});

test('partitions are told apart by content, not by object, and move independently', (t) => {
  const submitted = new SubmittedRecords();
  const a1 = submitted.submit({ file: 'a' }, { position: 1 });
  const b1 = submitted.submit({ file: 'b' }, { position: 1 });
  // A new object with the same content is the same source partition.
  const a2 = submitted.submit({ file: 'a' }, { position: 2 });
  a2.ack();
  b1.ack();
  t.deepEqual(submitted.committable(), [{ partition: { file: 'b' }, offset: { position: 1 } }]);
  a1.ack();
  t.deepEqual(submitted.committable(), [{ partition: { file: 'a' }, offset: { position: 2 } }]);
});

test('a partition whose records were all stored is forgotten, and later records start it again', (t) => {
  const submitted = new SubmittedRecords();
  const partition = { file: 'a' };
  submitted.submit(partition, { position: 1 }).ack();
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 1 } }]);
  const next = submitted.submit(partition, { position: 2 });
  t.deepEqual(submitted.committable(), []);
  next.ack();
  // A second ack of the same record changes nothing.
  next.ack();
  t.is(submitted.pending, 0);
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 2 } }]);
});

test('uncovered writes: the lowest Kafka offset per output partition behind an unacknowledged record', (t) => {
  const submitted = new SubmittedRecords();
  const partition = { file: 'a' };
  submitted.submit(partition, { position: 1 }).ack({ topicPartition: 'out:0', offset: 10n });
  const held = submitted.submit(partition, { position: 2 });
  submitted.submit(partition, { position: 3 }).ack({ topicPartition: 'out:1', offset: 7n });
  submitted.submit(partition, { position: 4 }).ack({ topicPartition: 'out:1', offset: 5n });
  submitted.submit(partition, { position: 5 }).ack();
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 1 } }]);
  t.deepEqual(submitted.uncoveredWrites(), new Map([['out:1', 5n]]));
  held.ack({ topicPartition: 'out:0', offset: 11n });
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 5 } }]);
  t.deepEqual(submitted.uncoveredWrites(), new Map());
});

test('a long run of acknowledged records is let go while an earlier one is still pending elsewhere', (t) => {
  const submitted = new SubmittedRecords();
  const slow = submitted.submit({ file: 'slow' }, { position: 0 });
  const partition = { file: 'fast' };
  for (let i = 1; i <= 5000; i++) submitted.submit(partition, { position: i }).ack();
  t.is(submitted.pending, 1);
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 5000 } }]);
  slow.ack();
  t.deepEqual(submitted.committable(), [{ partition: { file: 'slow' }, offset: { position: 0 } }]);
});

test('records acknowledged in order while later ones are in flight keep their order across compaction', (t) => {
  const submitted = new SubmittedRecords();
  const partition = { file: 'a' };
  const records = Array.from({ length: 3000 }, (_, i) => submitted.submit(partition, { position: i }));
  for (let i = 0; i < 2000; i++) records[i]!.ack();
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 1999 } }]);
  records[2999]!.ack({ topicPartition: 'out:0', offset: 2999n });
  t.deepEqual(submitted.committable(), []);
  t.deepEqual(submitted.uncoveredWrites(), new Map([['out:0', 2999n]]));
  for (let i = 2000; i < 2999; i++) records[i]!.ack();
  t.is(submitted.pending, 0);
  t.deepEqual(submitted.committable(), [{ partition, offset: { position: 2999 } }]);
});
