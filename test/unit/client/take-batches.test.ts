import test from 'ava';
import { CompressionCodec, readBatchHeader } from '../../../core/records/index.ts';
import { RecordAccumulator } from '../../../client/producer/record-accumulator.ts';
import type { PartitionQueue, ProducerBatch, RecordSink } from '../../../client/producer/record-accumulator.ts';
import { takeBatches } from '../../../client/producer/take-batches.ts';
import type { BatchStamp } from '../../../client/producer/take-batches.ts';

const sink: RecordSink = { done: () => undefined, fail: () => undefined };
const value = Buffer.alloc(100, 7);
const RECORD_BOUND = 200;
const PARTITIONS = 12;
const BATCHES_PER_PARTITION = 3;
const stamp: BatchStamp = { idempotent: true, compression: CompressionCodec.none, producerId: 42n, producerEpoch: 3, transactional: false };

/** Queues of `partitions` partitions, each with `batches` closed batches of `recordsPerBatch` records. */
function queuesWithBatches(partitions: number, batches: number, recordsPerBatch: number): { accumulator: RecordAccumulator; queues: PartitionQueue[] } {
  const accumulator = new RecordAccumulator(1_000_000, () => undefined);
  const queues: PartitionQueue[] = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < batches * recordsPerBatch; i++) {
      accumulator.append('t', p, null, value, undefined, Date.now(), RECORD_BOUND, sink, i);
      // Each batch is closed once full, as batchSize would.
      if ((i + 1) % recordsPerBatch === 0) accumulator.close(accumulator.queueFor('t', p).queue.at(-1)!);
    }
    queues.push(accumulator.queueFor('t', p));
  }
  return { accumulator, queues };
}

/** Up to 5 batches of a partition in flight, as an idempotent producer allows; nothing is answered. */
const mayGo = (queue: PartitionQueue): boolean => queue.queue.length > 0 && queue.inFlight.length < 5;

test('requests split by maxRequestSize go round every partition; a batch left for a later request has no send order or sequence yet', (t) => {
  const { accumulator, queues } = queuesWithBatches(PARTITIONS, BATCHES_PER_PARTITION, 5);
  const batchBytes = queues[0]!.queue[0]!.bytes;
  t.true(queues.every((q) => q.queue.length === BATCHES_PER_PARTITION && q.queue.every((b) => b.bytes === batchBytes)));
  // Room for two batches per request, not three.
  const maxRequestSize = 2 * batchBytes + Math.floor(batchBytes / 2);

  const requests: ProducerBatch[][] = [];
  let from = 0;
  for (;;) {
    const taken = takeBatches(accumulator, queues, from, maxRequestSize, mayGo, stamp);
    from = taken.next;
    if (taken.batches.length === 0) break;
    requests.push(taken.batches);
    t.true(taken.encoded.reduce((n, b) => n + b.length, 0) <= maxRequestSize, `request ${requests.length} fits maxRequestSize`);
    t.deepEqual(
      taken.encoded,
      taken.batches.map((b) => b.encoded),
    );
    for (const queue of queues) {
      for (const waiting of queue.queue) {
        t.is(waiting.sentOrder, -1, `a waiting batch of partition ${queue.partition} has no send order`);
        t.is(waiting.baseSequence, -1, `a waiting batch of partition ${queue.partition} has no sequence`);
      }
    }
    if (requests.length > PARTITIONS * BATCHES_PER_PARTITION) break;
  }

  t.is(requests.length, (PARTITIONS * BATCHES_PER_PARTITION) / 2);
  t.true(
    requests.every((r) => r.length === 2),
    'two batches per request',
  );
  // Fairness: the first round of requests reaches every partition before any sends its second batch.
  const firstRound = requests.slice(0, PARTITIONS / 2).flat();
  t.deepEqual(
    firstRound.map((b) => b.partition).sort((a, b) => a - b),
    queues.map((q) => q.partition),
  );
  for (const queue of queues) {
    const sent = requests.flat().filter((b) => b.partition === queue.partition);
    t.deepEqual(
      sent.map((b) => b.sentOrder),
      [0, 1, 2],
    );
    t.deepEqual(
      sent.map((b) => b.baseSequence),
      [0, 5, 10],
      `partition ${queue.partition}: sequences without gaps, in send order`,
    );
    t.deepEqual(sent, queue.inFlight);
    for (const batch of sent) {
      const header = readBatchHeader(batch.encoded!);
      t.is(header.producerId, 42n);
      t.is(header.producerEpoch, 3);
      t.is(header.baseSequence, batch.baseSequence);
    }
  }
});

test('a batch larger than maxRequestSize goes in a request of its own', (t) => {
  const { accumulator, queues } = queuesWithBatches(3, 1, 5);
  const taken: number[][] = [];
  let from = 0;
  for (let round = 0; round < 5; round++) {
    const result = takeBatches(accumulator, queues, from, 100, mayGo, stamp);
    from = result.next;
    if (result.batches.length === 0) break;
    taken.push(result.batches.map((b) => b.partition));
  }
  t.deepEqual(taken, [[0], [1], [2]]);
});

test('without idempotence batches keep no sequence and carry no producer id', (t) => {
  const { accumulator, queues } = queuesWithBatches(2, 2, 3);
  const plain: BatchStamp = { ...stamp, idempotent: false };
  const { batches } = takeBatches(accumulator, queues, 0, 1_000_000, mayGo, plain);
  t.deepEqual(
    batches.map((b) => [b.partition, b.sentOrder, b.baseSequence]),
    [
      [0, 0, -1],
      [1, 0, -1],
    ],
  );
  for (const batch of batches) t.is(readBatchHeader(batch.encoded!).producerId, -1n);
});
