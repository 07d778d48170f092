import test from 'ava';
import { DefaultPartitioner } from '../../../client/producer/index.ts';

/** A random source that walks through `values`, so every choice of the partitioner is known. */
function sequence(values: number[]): () => number {
  let at = 0;
  return () => values[at++ % values.length]!;
}

test('keyless records stick to a partition with a leader, never to one without', (t) => {
  // Random values that, over all 6 partitions, would pick 0, 1, 2, 3, 4, 5 in turn.
  const draws = [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6];
  const partitioner = new DefaultPartitioner(sequence(draws));
  const led = [1, 4];
  const seen = new Set<number>();
  let current = partitioner.partition('t', null, 6, () => led);
  seen.add(current);
  for (let i = 0; i < 12; i++) {
    partitioner.batchClosed('t', current, 6, () => led);
    current = partitioner.partition('t', null, 6, () => led);
    seen.add(current);
  }
  t.deepEqual([...seen].sort(), [1, 4]);
});

test('the only partition with a leader keeps the records; with no leader anywhere any partition is used', (t) => {
  const partitioner = new DefaultPartitioner(sequence([0, 0.5, 0.99]));
  const first = partitioner.partition('t', null, 3, () => [2]);
  t.is(first, 2);
  partitioner.batchClosed('t', 2, 3, () => [2]);
  t.is(partitioner.partition('t', null, 3, () => [2]), 2);
  partitioner.batchClosed('t', 2, 3, () => []);
  t.not(partitioner.partition('t', null, 3, () => []), 2);
});

test('keyed records ignore leaders: murmur2 of the key over every partition', (t) => {
  const partitioner = new DefaultPartitioner();
  const key = Buffer.from('some key');
  t.is(partitioner.partition('t', key, 6, () => [0]), partitioner.partition('t', key, 6));
});
