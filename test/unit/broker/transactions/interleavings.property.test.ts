import test from 'ava';
import fc from 'fast-check';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { encodeRecordBatch } from '../../../../core/records/index.ts';
import { injectBroker } from '../../../helpers/inject.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';
import { committedView } from '../../../integration/broker/transactions-reads.ts';
import { addOffsets, addPartitions, createTopic, endTxn, initProducer, settleTxn, untilState } from './inject-txn.ts';
import type { TxnProducer } from './inject-txn.ts';

/*
 * Random interleavings of several transactional producers (and a plain one) against the
 * broker's request handling, on virtual time: produce, send offsets, commit, abort, re-init
 * (which fences the producer's own open transaction) and the passing of the transaction
 * timeout (which aborts every open transaction and fences its producer). After every step
 * each partition's last stable offset, high watermark and read_committed contents, and the
 * group's committed offset, must equal what a plain model of Kafka's rules says. A
 * transaction begins, as on the wire, with its first AddPartitionsToTxn or AddOffsetsToTxn
 * (beginTransaction is the client's own bookkeeping). Seeded: a failure prints its seed and
 * path for fast-check to replay.
 */

const TOPIC = 'prop';
const GROUP = 'prop-group';
const PARTITIONS = 2;
const PRODUCERS = ['p0', 'p1', 'p2'] as const;
const TXN_TIMEOUT_MS = 20_000;
const CHECK_INTERVAL_MS = 1_000;

type Step =
  | { readonly op: 'produce'; readonly p: number; readonly partition: number }
  | { readonly op: 'plain'; readonly partition: number }
  | { readonly op: 'offsets'; readonly p: number; readonly offset: number }
  | { readonly op: 'commit'; readonly p: number }
  | { readonly op: 'abort'; readonly p: number }
  | { readonly op: 'init'; readonly p: number }
  | { readonly op: 'timeout' };

const producerIndex = fc.integer({ min: 0, max: PRODUCERS.length - 1 });
const partitionIndex = fc.integer({ min: 0, max: PARTITIONS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('produce' as const), p: producerIndex, partition: partitionIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('plain' as const), partition: partitionIndex }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('offsets' as const), p: producerIndex, offset: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('commit' as const), p: producerIndex }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), p: producerIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('init' as const), p: producerIndex }) },
  { weight: 1, arbitrary: fc.constant({ op: 'timeout' as const }) },
);

// ---- the model -------------------------------------------------------------------------------

type TxnStatus = 'open' | 'committed' | 'aborted';

interface Entry {
  readonly value: string | null;
  /** The transaction a record belongs to; undefined for a plain record or a marker. */
  readonly txn: number | undefined;
}

interface ModelProducer {
  /** What the broker handed out; undefined before the first InitProducerId. */
  identity: TxnProducer | undefined;
  /** The transaction timed out: the coordinator bumped the epoch under this producer. */
  fenced: boolean;
  open: number | undefined;
  partitions: Set<number>;
  pendingOffset: bigint | undefined;
  /** How the last transaction ended, for what a repeated EndTxn is told. */
  lastEnd: 'commit' | 'abort' | undefined;
  sequences: number[];
}

class Model {
  readonly logs: Entry[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly txns: TxnStatus[] = [];
  readonly producers: ModelProducer[] = PRODUCERS.map(() => ({ identity: undefined, fenced: false, open: undefined, partitions: new Set(), pendingOffset: undefined, lastEnd: undefined, sequences: [] }));
  groupOffset = -1n;

  begin(p: ModelProducer): number {
    if (p.open === undefined) {
      p.open = this.txns.length;
      this.txns.push('open');
    }
    return p.open;
  }

  end(p: ModelProducer, committed: boolean): void {
    if (p.open === undefined) return;
    this.txns[p.open] = committed ? 'committed' : 'aborted';
    for (const partition of p.partitions) this.logs[partition]!.push({ value: null, txn: undefined });
    if (committed && p.pendingOffset !== undefined) this.groupOffset = p.pendingOffset;
    p.open = undefined;
    p.partitions = new Set();
    p.pendingOffset = undefined;
    p.lastEnd = committed ? 'commit' : 'abort';
  }

  /** The first offset of a record of an open transaction, else the log end. */
  lastStableOffset(partition: number): number {
    const log = this.logs[partition]!;
    const first = log.findIndex((e) => e.txn !== undefined && this.txns[e.txn] === 'open');
    return first === -1 ? log.length : first;
  }

  visible(partition: number): string[] {
    return this.logs[partition]!.slice(0, this.lastStableOffset(partition))
      .filter((e) => e.value !== null && (e.txn === undefined || this.txns[e.txn] === 'committed'))
      .map((e) => e.value!);
  }
}

// ---- the steps against the broker ------------------------------------------------------------

let valueCounter = 0;

async function produce(broker: InjectedBroker, partition: number, value: string, producer?: { identity: TxnProducer; sequence: number }): Promise<number> {
  const records = encodeRecordBatch(
    [{ timestamp: 1_700_000_000_000n, key: null, value: Buffer.from(value) }],
    producer === undefined ? {} : { producerId: producer.identity.producerId, producerEpoch: producer.identity.producerEpoch, baseSequence: producer.sequence, transactional: true },
  );
  const response = await broker.inject(ApiKey.PRODUCE, 8, {
    transactionalId: producer?.identity.transactionalId ?? null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
  });
  return response.responses[0]!.partitionResponses[0]!.errorCode;
}

function expectCode(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: error ${actual}, expected ${expected}`);
}

/** A producer able to run a transaction: initialized, and re-initialized after being fenced (checking that it was). */
async function ready(broker: InjectedBroker, model: Model, index: number): Promise<ModelProducer> {
  const p = model.producers[index]!;
  if (p.identity !== undefined && p.fenced) {
    expectCode((await addPartitions(broker, p.identity, TOPIC, [0]))[0]!, ErrorCode.PRODUCER_FENCED, `${PRODUCERS[index]} after its transaction timed out`);
  }
  if (p.identity === undefined || p.fenced) await reinit(broker, model, index);
  return p;
}

async function reinit(broker: InjectedBroker, model: Model, index: number): Promise<void> {
  const p = model.producers[index]!;
  // A new epoch aborts the producer's own open transaction first.
  model.end(p, false);
  p.identity = await initProducer(broker, PRODUCERS[index]!, TXN_TIMEOUT_MS);
  p.fenced = false;
  p.lastEnd = undefined;
  p.sequences = [];
}

async function apply(broker: InjectedBroker, model: Model, s: Step): Promise<void> {
  switch (s.op) {
    case 'plain': {
      const value = `plain-${valueCounter++}`;
      expectCode(await produce(broker, s.partition, value), ErrorCode.NONE, 'plain produce');
      model.logs[s.partition]!.push({ value, txn: undefined });
      return;
    }
    case 'produce': {
      const p = await ready(broker, model, s.p);
      const txn = model.begin(p);
      if (!p.partitions.has(s.partition)) {
        expectCode((await addPartitions(broker, p.identity!, TOPIC, [s.partition]))[0]!, ErrorCode.NONE, 'AddPartitionsToTxn');
        p.partitions.add(s.partition);
      }
      const value = `${PRODUCERS[s.p]}-${valueCounter++}`;
      const sequence = p.sequences[s.partition] ?? 0;
      expectCode(await produce(broker, s.partition, value, { identity: p.identity!, sequence }), ErrorCode.NONE, 'transactional produce');
      p.sequences[s.partition] = sequence + 1;
      model.logs[s.partition]!.push({ value, txn });
      return;
    }
    case 'offsets': {
      const p = await ready(broker, model, s.p);
      model.begin(p);
      expectCode(await addOffsets(broker, p.identity!, GROUP), ErrorCode.NONE, 'AddOffsetsToTxn');
      const response = await broker.inject(ApiKey.TXN_OFFSET_COMMIT, 2, {
        transactionalId: p.identity!.transactionalId,
        groupId: GROUP,
        producerId: p.identity!.producerId,
        producerEpoch: p.identity!.producerEpoch,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: BigInt(s.offset), committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      expectCode(response.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE, 'TxnOffsetCommit');
      p.pendingOffset = BigInt(s.offset);
      return;
    }
    case 'commit':
    case 'abort': {
      const p = model.producers[s.p]!;
      if (p.identity === undefined) return;
      const committed = s.op === 'commit';
      const code = await endTxn(broker, p.identity, committed);
      // EndTxn v1 predates KIP-588: fencing is INVALID_PRODUCER_EPOCH there.
      if (p.fenced) expectCode(code, ErrorCode.INVALID_PRODUCER_EPOCH, 'EndTxn from a fenced producer');
      else if (p.open !== undefined) expectCode(code, ErrorCode.NONE, 'EndTxn');
      // A repeated EndTxn is answered as the first was; one that does not match is refused.
      else expectCode(code, p.lastEnd === s.op ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE, 'EndTxn without a transaction');
      if (!p.fenced && p.open !== undefined) {
        await settleTxn(broker, PRODUCERS[s.p]!);
        model.end(p, committed);
      }
      return;
    }
    case 'init': {
      if (model.producers[s.p]!.identity === undefined) return;
      await reinit(broker, model, s.p);
      return;
    }
    case 'timeout': {
      await broker.scheduler.tick(TXN_TIMEOUT_MS + CHECK_INTERVAL_MS);
      for (const [i, p] of model.producers.entries()) {
        if (p.open === undefined) continue;
        await untilState(broker, PRODUCERS[i]!, 'CompleteAbort');
        model.end(p, false);
        p.fenced = true;
      }
      return;
    }
  }
}

async function check(broker: InjectedBroker, model: Model, after: string): Promise<void> {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const response = await broker.inject(ApiKey.FETCH, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      topics: [{ topic: TOPIC, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    });
    const view = committedView(response.responses[0]!.partitions[0]!);
    const expected = { values: model.visible(partition), lastStableOffset: BigInt(model.lastStableOffset(partition)), highWatermark: BigInt(model.logs[partition]!.length) };
    const actual = { values: view.values, lastStableOffset: view.lastStableOffset, highWatermark: view.highWatermark };
    if (JSON.stringify(actual, replacer) !== JSON.stringify(expected, replacer)) {
      throw new Error(`after ${after}, partition ${partition}: broker ${JSON.stringify(actual, replacer)}, model ${JSON.stringify(expected, replacer)}`);
    }
  }
  const offsets = await broker.inject(ApiKey.OFFSET_FETCH, 1, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  const committed = offsets.topics[0]!.partitions[0]!.committedOffset;
  if (committed !== model.groupOffset) throw new Error(`after ${after}: group offset ${committed}, model ${model.groupOffset}`);
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

test('LSO, read_committed contents and transactional offsets follow the model over random interleavings', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
      const broker = injectBroker(t, {
        groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 },
        transactions: { stateLogPartitions: 1, abortTimedOutCheckIntervalMs: CHECK_INTERVAL_MS },
      });
      await createTopic(broker, TOPIC, PARTITIONS);
      const model = new Model();
      for (const [i, s] of steps.entries()) {
        await apply(broker, model, s);
        await check(broker, model, `step ${i} ${JSON.stringify(s)}`);
      }
    }),
    { seed: 20_261_206, numRuns: 100, includeErrorInReport: true },
  );
  t.pass();
});
