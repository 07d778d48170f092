import test from 'ava';
import { selectBatches } from '../../../client/consumer/fetched-batches.ts';
import { ControlRecordType, decodeRecordBatch, encodeControlRecord, encodeRecordBatch } from '../../../core/records/index.ts';

const T0 = 1_700_000_000_000n;
const A = 1000n;
const B = 2000n;

/** A data batch of `count` records from `baseOffset`, transactional when a producer id is given. */
function data(baseOffset: bigint, count: number, producerId?: bigint): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ timestamp: T0, value: Buffer.from(`v${baseOffset + BigInt(i)}`) }));
  return encodeRecordBatch(records, producerId === undefined ? { baseOffset } : { baseOffset, producerId, producerEpoch: 0, baseSequence: 0, transactional: true });
}

/** A transaction marker of `producerId` at `offset`. */
function marker(offset: bigint, producerId: bigint, type: ControlRecordType): Buffer {
  const { key, value } = encodeControlRecord(type, 0);
  return encodeRecordBatch([{ timestamp: T0, key, value }], { baseOffset: offset, producerId, producerEpoch: 0, transactional: true, control: true });
}

/**
 * 0-2 A's transaction (aborted at 5), 3-4 B's (committed at 6), 5 A's ABORT, 6 B's COMMIT,
 * 7-8 plain records, 9-10 A's next transaction (committed at 11), 11 A's COMMIT.
 */
const LOG = Buffer.concat([
  data(0n, 3, A),
  data(3n, 2, B),
  marker(5n, A, ControlRecordType.ABORT),
  marker(6n, B, ControlRecordType.COMMIT),
  data(7n, 2),
  data(9n, 2, A),
  marker(11n, A, ControlRecordType.COMMIT),
]);
const ABORTED = [{ producerId: A, firstOffset: 0n }];

/** The values of the records in the selected batches at or after `from`. */
function values(bytes: Buffer, positions: readonly number[], from = 0n): string[] {
  return positions.flatMap((pos) =>
    decodeRecordBatch(bytes, pos)
      .records.filter((r) => r.offset >= from)
      .map((r) => r.value!.toString()),
  );
}

test('read_committed skips the aborted transaction and every marker; the next offset is past the last batch', (t) => {
  const selected = selectBatches(LOG, 0n, 'read_committed', ABORTED)!;
  t.deepEqual(values(LOG, selected.positions), ['v3', 'v4', 'v7', 'v8', 'v9', 'v10']);
  t.is(selected.nextOffset, 12n);
  t.is(selected.bytes, LOG.length);
});

test("read_committed: a producer's abort ends at its marker, so its later transaction is delivered", (t) => {
  // Only A's first transaction is listed as aborted: 9-10 come after its ABORT marker.
  const selected = selectBatches(LOG, 5n, 'read_committed', ABORTED)!;
  t.deepEqual(values(LOG, selected.positions, 5n), ['v7', 'v8', 'v9', 'v10']);
});

test('read_uncommitted delivers every data batch, aborted or not, and no marker', (t) => {
  const selected = selectBatches(LOG, 0n, 'read_uncommitted', ABORTED)!;
  t.deepEqual(values(LOG, selected.positions), ['v0', 'v1', 'v2', 'v3', 'v4', 'v7', 'v8', 'v9', 'v10']);
  t.is(selected.nextOffset, 12n);
});

test('batches that end before the fetch offset are skipped; one that spans it is kept for the caller to trim', (t) => {
  const selected = selectBatches(LOG, 4n, 'read_uncommitted', null)!;
  t.deepEqual(values(LOG, selected.positions), ['v3', 'v4', 'v7', 'v8', 'v9', 'v10']);
  t.deepEqual(values(LOG, selected.positions, 4n), ['v4', 'v7', 'v8', 'v9', 'v10']);
});

test('a trailing partial batch is left for the next fetch; bytes with no whole batch select nothing', (t) => {
  const whole = data(0n, 2);
  const next = data(2n, 2);
  const bytes = Buffer.concat([whole, next.subarray(0, next.length - 3)]);
  const selected = selectBatches(bytes, 0n, 'read_uncommitted', null)!;
  t.deepEqual(values(bytes, selected.positions), ['v0', 'v1']);
  t.is(selected.nextOffset, 2n);
  t.is(selected.bytes, whole.length);
  t.is(selectBatches(next.subarray(0, 30), 2n, 'read_uncommitted', null), undefined);
});

test('an aborted transaction listed after the fetched range takes nothing away', (t) => {
  const selected = selectBatches(LOG, 0n, 'read_committed', [{ producerId: B, firstOffset: 100n }])!;
  t.deepEqual(values(LOG, selected.positions), ['v0', 'v1', 'v2', 'v3', 'v4', 'v7', 'v8', 'v9', 'v10']);
});
