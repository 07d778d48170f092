import test from 'ava';
import { PartitionProducerState, ProducerStateErrorCode } from '../../../../broker/producers/index.ts';
import type { PrepareResult, ProducerBatch } from '../../../../broker/producers/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';
import { idempotentBatch, produce } from './producer-harness.ts';

const MAX_SEQ = 0x7fffffff;

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, recordCount = 1): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, recordCount };
}

/** A model partition: offsets advance as a log's would, without a log. */
class Partition {
  readonly state = new PartitionProducerState();
  end = 0n;

  send(...batches: ProducerBatch[]): PrepareResult {
    const result = this.state.prepare(batches, this.end);
    if (result.kind === 'append') {
      result.commit();
      this.end += batches.reduce((n, b) => n + BigInt(b.recordCount), 0n);
    }
    return result;
  }
}

function errorCodeOf(result: PrepareResult): number | undefined {
  return result.kind === 'error' ? result.errorCode : undefined;
}

test('in-order sequences are appended and remembered with their offsets', (t) => {
  const p = new Partition();
  t.is(p.send(batch(1n, 0, 0, 3)).kind, 'append');
  t.is(p.send(batch(1n, 0, 3, 2)).kind, 'append');
  t.is(p.send(batch(1n, 0, 5)).kind, 'append');
  t.deepEqual(p.state.entry(1n)?.batches, [
    { firstSeq: 0, lastSeq: 2, firstOffset: 0n, lastOffset: 2n },
    { firstSeq: 3, lastSeq: 4, firstOffset: 3n, lastOffset: 4n },
    { firstSeq: 5, lastSeq: 5, firstOffset: 5n, lastOffset: 5n },
  ]);
  t.is(p.state.entry(1n)?.producerEpoch, 0);
});

test('a producer without state may start at any sequence', (t) => {
  const p = new Partition();
  t.is(p.send(batch(9n, 3, 42, 2)).kind, 'append');
  t.is(p.send(batch(9n, 3, 44)).kind, 'append');
});

test('a gap in sequences is OUT_OF_ORDER_SEQUENCE_NUMBER and changes nothing', (t) => {
  const p = new Partition();
  p.send(batch(1n, 0, 0, 2));
  const result = p.send(batch(1n, 0, 3));
  t.is(errorCodeOf(result), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.regex(result.kind === 'error' ? result.message : '', /expected sequence 2, got 3/);
  t.is(p.state.entry(1n)?.batches.length, 1);
  t.is(p.send(batch(1n, 0, 2)).kind, 'append');
});

test('an older epoch is INVALID_PRODUCER_EPOCH', (t) => {
  const p = new Partition();
  p.send(batch(1n, 2, 0));
  t.is(errorCodeOf(p.send(batch(1n, 1, 1))), ErrorCode.INVALID_PRODUCER_EPOCH);
  t.is(errorCodeOf(p.send(batch(1n, 1, 0))), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('a new epoch starts at sequence 0 and forgets the old epoch', (t) => {
  const p = new Partition();
  p.send(batch(1n, 0, 0, 5));
  t.is(errorCodeOf(p.send(batch(1n, 1, 5))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.is(p.send(batch(1n, 1, 0, 2)).kind, 'append');
  t.deepEqual(p.state.entry(1n)?.batches, [{ firstSeq: 0, lastSeq: 1, firstOffset: 5n, lastOffset: 6n }]);
  // A retry from the fenced epoch is not a duplicate.
  t.is(errorCodeOf(p.send(batch(1n, 0, 0, 5))), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('sequences wrap to 0 after int32 max', (t) => {
  const p = new Partition();
  p.send(batch(1n, 0, MAX_SEQ - 1, 2));
  t.is(p.state.entry(1n)?.batches.at(-1)?.lastSeq, MAX_SEQ);
  t.is(errorCodeOf(p.send(batch(1n, 0, MAX_SEQ))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.is(p.send(batch(1n, 0, 0, 1)).kind, 'append');

  const q = new Partition();
  q.send(batch(2n, 0, MAX_SEQ - 1, 4));
  t.is(q.state.entry(2n)?.batches.at(-1)?.lastSeq, 1);
  t.is(q.send(batch(2n, 0, 2)).kind, 'append');
  // The wrapped batch is still recognised when retried.
  t.deepEqual(q.send(batch(2n, 0, MAX_SEQ - 1, 4)), { kind: 'duplicate', firstOffset: 0n, lastOffset: 3n });
});

test('a retry of any of the last 5 batches is a duplicate with its original offsets; the 6th is not', (t) => {
  const p = new Partition();
  for (let i = 0; i < 6; i++) p.send(batch(1n, 0, i * 2, 2));
  t.is(p.end, 12n);
  for (let i = 1; i < 6; i++) {
    t.deepEqual(p.send(batch(1n, 0, i * 2, 2)), { kind: 'duplicate', firstOffset: BigInt(i * 2), lastOffset: BigInt(i * 2 + 1) }, `batch ${i}`);
  }
  t.is(errorCodeOf(p.send(batch(1n, 0, 0, 2))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // A batch overlapping a cached one without matching it is no duplicate either.
  t.is(errorCodeOf(p.send(batch(1n, 0, 10, 1))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.is(p.end, 12n);
  t.is(p.send(batch(1n, 0, 12)).kind, 'append');
});

test('the batches of one append are checked in order against each other', (t) => {
  const p = new Partition();
  const result = p.send(batch(1n, 0, 0, 2), batch(-1n, -1, -1, 3), batch(1n, 0, 2, 1), batch(2n, 0, 7, 2));
  t.is(result.kind, 'append');
  t.deepEqual(p.state.entry(1n)?.batches, [
    { firstSeq: 0, lastSeq: 1, firstOffset: 0n, lastOffset: 1n },
    { firstSeq: 2, lastSeq: 2, firstOffset: 5n, lastOffset: 5n },
  ]);
  t.deepEqual(p.state.entry(2n)?.batches, [{ firstSeq: 7, lastSeq: 8, firstOffset: 6n, lastOffset: 7n }]);

  // A gap between two batches of the same append rejects the whole append.
  t.is(errorCodeOf(p.send(batch(1n, 0, 3), batch(1n, 0, 5))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.is(p.state.entry(1n)?.batches.length, 2);
  // So does a new epoch that does not start at 0 after a valid batch of the same append.
  t.is(errorCodeOf(p.send(batch(1n, 0, 3), batch(1n, 1, 1))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.is(p.send(batch(1n, 0, 3), batch(1n, 1, 0)).kind, 'append');
  t.is(p.state.entry(1n)?.producerEpoch, 1);
});

test('a duplicate inside a multi-batch append is OUT_OF_ORDER_SEQUENCE_NUMBER', (t) => {
  const p = new Partition();
  p.send(batch(1n, 0, 0));
  p.send(batch(1n, 0, 1));
  const result = p.send(batch(1n, 0, 1), batch(1n, 0, 2));
  t.is(errorCodeOf(result), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  t.regex(result.kind === 'error' ? result.message : '', /already appended \(offsets 1\.\.1\)/);
  t.is(errorCodeOf(p.send(batch(1n, 0, 2), batch(1n, 0, 2))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('non-idempotent batches are ignored', (t) => {
  const p = new Partition();
  t.is(p.send(batch(-1n, -1, -1, 4)).kind, 'append');
  t.is(p.send(batch(-1n, -1, -1, 4)).kind, 'append');
  t.is(p.state.producerCount, 0);
});

test('an idempotent batch without a sequence is INVALID_RECORD', (t) => {
  const p = new Partition();
  t.is(errorCodeOf(p.send(batch(1n, 0, -1))), ErrorCode.INVALID_RECORD);
  t.is(errorCodeOf(p.send(batch(1n, -1, 0))), ErrorCode.INVALID_RECORD);
  t.is(p.state.producerCount, 0);
});

test('a commit after the state changed since its prepare throws', (t) => {
  const state = new PartitionProducerState();
  const first = state.prepare([batch(1n, 0, 0)], 0n);
  const second = state.prepare([batch(1n, 0, 0)], 0n);
  if (first.kind !== 'append' || second.kind !== 'append') return t.fail();
  first.commit();
  throwsCode(t, () => {
    second.commit();
  }, ProducerStateErrorCode.STALE_PREPARE);
  throwsCode(t, () => {
    first.commit();
  }, ProducerStateErrorCode.STALE_PREPARE);
  t.is(state.entry(1n)?.batches.length, 1);
});

test('a snapshot restores to the same state', (t) => {
  const p = new Partition();
  for (let i = 0; i < 7; i++) p.send({ ...batch(1n, 0, i), maxTimestamp: 1000n + BigInt(i) });
  p.send(batch(5n, 2, 100, 3));
  const snapshot = p.state.snapshot(p.end);
  const json: unknown = JSON.parse(JSON.stringify(snapshot));
  const { state, offset } = PartitionProducerState.restore(json);
  t.is(offset, p.end);
  t.deepEqual(state.snapshot(offset), snapshot);
  t.deepEqual(state.entry(1n), p.state.entry(1n));
  t.is(state.entry(1n)?.lastTimestamp, 1006n);
  t.is(state.entry(5n)?.lastTimestamp, -1n);
  t.deepEqual(state.prepare([batch(1n, 0, 4)], 100n), { kind: 'duplicate', firstOffset: 4n, lastOffset: 4n });
});

test('restore rejects malformed snapshots, naming the field', (t) => {
  const good = (): Record<string, unknown> => ({
    version: 1,
    offset: '10',
    producers: [{ producerId: '1', producerEpoch: 0, lastTimestamp: '-1', batches: [{ firstSeq: 0, lastSeq: 1, firstOffset: '0', lastOffset: '1' }] }],
  });
  t.notThrows(() => PartitionProducerState.restore(good()));
  const cases: [unknown, RegExp][] = [
    [null, /snapshot is not an object/],
    [{ ...good(), version: 2 }, /snapshot\.version/],
    [{ ...good(), offset: 10 }, /snapshot\.offset/],
    [{ ...good(), producers: {} }, /snapshot\.producers/],
    [{ ...good(), offset: '1' }, /producers\[0\]\.batches\[0\]/],
    [{ ...good(), producers: [{ producerId: '-3', producerEpoch: 0, lastTimestamp: '0', batches: [] }] }, /producers\[0\]\.producerId/],
    [{ ...good(), producers: [{ producerId: '1', producerEpoch: 70000, lastTimestamp: '0', batches: [] }] }, /producers\[0\]\.producerEpoch/],
    [{ ...good(), producers: [{ producerId: '1', producerEpoch: 0, lastTimestamp: '0', batches: [{ firstSeq: -2, lastSeq: 0, firstOffset: '0', lastOffset: '0' }] }] }, /firstSeq/],
    [{ ...good(), producers: [...(good()['producers'] as unknown[]), ...(good()['producers'] as unknown[])] }, /repeats producer 1/],
  ];
  for (const [data, message] of cases) {
    const err = t.throws(() => PartitionProducerState.restore(data));
    t.is((err as { code?: unknown } | undefined)?.code, ProducerStateErrorCode.INVALID_SNAPSHOT);
    t.regex(err.message, message);
  }
});

test('producers whose last batch is below the log start are forgotten', (t) => {
  const p = new Partition();
  p.send(batch(1n, 0, 0, 5));
  p.send(batch(2n, 0, 0, 5));
  p.send(batch(1n, 0, 5, 5));
  t.is(p.state.removeProducersBefore(10n), 1);
  t.deepEqual(p.state.producerIds(), [1n]);
  // An unknown producer may continue anywhere.
  t.is(p.send(batch(2n, 0, 77)).kind, 'append');
});

test('loadFromLog replays batch headers and skips control and non-idempotent batches', async (t) => {
  const log = PartitionLog.open(tempDir(t), { config: { flushPolicy: 'none' } });
  t.teardown(() => log.close());
  const live = new PartitionProducerState();
  t.is(produce(log, live, idempotentBatch(1n, 0, 0, 3)).kind, 'appended');
  t.is(produce(log, live, testBatch({ count: 2 })).kind, 'appended');
  log.append(testBatch({ count: 1, options: { control: true, producerId: 1n, producerEpoch: 0, baseSequence: 99 } }), { origin: 'internal' });
  t.is(produce(log, live, idempotentBatch(1n, 0, 3, 2), idempotentBatch(4n, 1, 0)).kind, 'appended');

  const replayed = new PartitionProducerState();
  replayed.loadFromLog(log);
  t.deepEqual(replayed.snapshot(log.logEndOffset), live.snapshot(log.logEndOffset));
  t.deepEqual(replayed.entry(1n)?.batches.at(-1), { firstSeq: 3, lastSeq: 4, firstOffset: 6n, lastOffset: 7n });

  const partial = new PartitionProducerState();
  partial.loadFromLog(log, 6n);
  t.deepEqual(partial.producerIds(), [1n, 4n]);
  t.is(partial.entry(1n)?.batches.length, 1);
});
