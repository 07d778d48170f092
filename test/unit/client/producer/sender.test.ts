import test from 'ava';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { CompressionCodec, isTransactionalBatch } from '../../../../core/records/index.ts';
import { ClientError, ClientErrorCode, KafkaError } from '../../../../client/errors.ts';
import { RECORD_OVERHEAD, RecordAccumulator } from '../../../../client/producer/record-accumulator.ts';
import type { RecordSink } from '../../../../client/producer/record-accumulator.ts';
import { Sender } from '../../../../client/producer/sender.ts';
import type { SenderConfig, SenderOptions } from '../../../../client/producer/sender.ts';
import { MockCluster, MockOneWay, answerProduce, sentBatches } from '../../../helpers/mock-cluster.ts';

const TOPIC = 't';
const PRODUCER_ID = 42n;

const defaults: SenderConfig = {
  acks: -1,
  idempotent: true,
  compression: CompressionCodec.none,
  lingerMs: 0,
  retries: Number.MAX_SAFE_INTEGER,
  retryBackoffMs: 100,
  deliveryTimeoutMs: 120_000,
  requestTimeoutMs: 30_000,
  maxInFlight: 5,
  maxRequestSize: 1024 * 1024,
};

/** The outcome of one record, as its send() promise would see it. */
class Delivery implements RecordSink {
  readonly promise: Promise<bigint>;
  offset: bigint | undefined;
  error: Error | undefined;
  private resolve!: (offset: bigint) => void;
  private reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The tests look at the outcome when they choose to; a rejection is not unhandled meanwhile.
    this.promise.catch(() => undefined);
  }

  get settled(): boolean {
    return this.offset !== undefined || this.error !== undefined;
  }

  done(_slot: number, _topic: string, _partition: number, offset: bigint): void {
    this.offset = offset;
    this.resolve(offset);
  }

  fail(_slot: number, error: Error): void {
    this.error = error;
    this.reject(error);
  }
}

/** Lets the sender's promise jobs and next-turn drains run (a connect, a wake) without moving time. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup(config: Partial<SenderConfig> = {}, options: SenderOptions = {}) {
  const cluster = new MockCluster();
  const { scheduler } = cluster;
  cluster.setLeaders(TOPIC, [1, 1]);
  const accumulator = new RecordAccumulator(16_384, () => undefined, scheduler);
  const sender = new Sender(cluster, accumulator, { ...defaults, ...config }, () => undefined, options);
  sender.producerId = PRODUCER_ID;
  sender.producerEpoch = 0;
  /** Appends one record, as Producer.send does, and wakes the sender. */
  const send = (partition = 0, value = 'v'): Delivery => {
    const delivery = new Delivery();
    const bytes = Buffer.from(value);
    accumulator.append(TOPIC, partition, null, bytes, undefined, scheduler.now(), RECORD_OVERHEAD + bytes.length, delivery, 0);
    sender.wake();
    return delivery;
  };
  /** Moves virtual time, letting async work each timer starts finish before the next fires. */
  const advance = async (ms: number): Promise<void> => {
    await scheduler.tick(ms);
    await settle();
  };
  return { cluster, scheduler, accumulator, sender, send, advance };
}

test('a batch waits lingerMs, and is sent to its leader once it has', async (t) => {
  const { cluster, sender, send, advance } = setup({ lingerMs: 10 });
  const delivery = send();
  await advance(0);
  t.is(cluster.produceRequests().length, 0, 'nothing sent before lingerMs');
  await advance(9);
  // Woken for another reason (a record for another partition, an answer) it still waits.
  sender.wake();
  await advance(0);
  t.is(cluster.produceRequests().length, 0, 'nothing sent 1 ms before lingerMs');
  await advance(1);
  const [request] = cluster.produceRequests();
  t.is(cluster.produceRequests().length, 1);
  t.is(request!.nodeId, 1);
  t.is(request!.body.acks, -1);
  const [batch] = sentBatches(request!.body);
  t.like(batch, { topic: TOPIC, partition: 0, header: { producerId: PRODUCER_ID, producerEpoch: 0, baseSequence: 0, recordsCount: 1 } });
  answerProduce(request!, { baseOffset: 7n });
  t.is(await delivery.promise, 7n);
});

test('a full batch goes at once, whatever lingerMs says', async (t) => {
  const { cluster, accumulator, send, advance } = setup({ lingerMs: 60_000 });
  const delivery = send();
  accumulator.close(accumulator.queueFor(TOPIC, 0).queue[0]!);
  await advance(0);
  t.is(cluster.produceRequests().length, 1);
  answerProduce(cluster.produceRequests()[0]!);
  t.is(await delivery.promise, 0n);
});

test('a retriable error is retried after retryBackoffMs, doubling up to 1 s, with the same sequence', async (t) => {
  const { cluster, send, advance } = setup({ retryBackoffMs: 300 });
  const delivery = send();
  await advance(0);
  t.is(cluster.produceRequests().length, 1);
  // 300, 600, then 1200 capped at 1000, and 1000 again.
  for (const backoff of [300, 600, 1000, 1000]) {
    answerProduce(cluster.unanswered(ApiKey.PRODUCE)[0]!, { errorCode: ErrorCode.REQUEST_TIMED_OUT });
    const sent = cluster.produceRequests().length;
    await advance(backoff - 1);
    t.is(cluster.produceRequests().length, sent, `no retry before ${backoff} ms`);
    t.false(delivery.settled);
    await advance(1);
    t.is(cluster.produceRequests().length, sent + 1, `retried after ${backoff} ms`);
  }
  for (const request of cluster.produceRequests()) {
    t.like(sentBatches(request.body)[0]?.header, { producerId: PRODUCER_ID, baseSequence: 0, recordsCount: 1 });
  }
  // Not a stale-metadata error: no refresh was asked for.
  t.is(cluster.metadataRefreshes.length, 0);
  answerProduce(cluster.unanswered(ApiKey.PRODUCE)[0]!, { baseOffset: 3n });
  t.is(await delivery.promise, 3n);
});

test('a retried batch goes alone, before the batches sent after it, each keeping its sequence', async (t) => {
  const { cluster, send, advance } = setup();
  const first = send();
  await advance(0);
  const second = send();
  await advance(0);
  const [a, b] = cluster.produceRequests();
  t.is(cluster.produceRequests().length, 2, 'two requests pipelined');
  t.is(sentBatches(a!.body)[0]!.header.baseSequence, 0);
  t.is(sentBatches(b!.body)[0]!.header.baseSequence, 1);
  answerProduce(a!, { errorCode: ErrorCode.REQUEST_TIMED_OUT });
  // The broker refuses the second: it expected sequence 0 first.
  answerProduce(b!, { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  await advance(100);
  t.is(cluster.produceRequests().length, 3, 'only the first batch is resent');
  const retryA = cluster.produceRequests()[2]!;
  t.is(sentBatches(retryA.body)[0]!.header.baseSequence, 0);
  await advance(1000);
  t.is(cluster.produceRequests().length, 3, 'the second waits until the first is answered');
  answerProduce(retryA, { baseOffset: 10n });
  await advance(0);
  const retryB = cluster.produceRequests()[3];
  t.is(sentBatches(retryB!.body)[0]!.header.baseSequence, 1);
  answerProduce(retryB!, { baseOffset: 11n });
  t.is(await first.promise, 10n);
  t.is(await second.promise, 11n);
});

test('a batch not acknowledged within deliveryTimeoutMs fails with a timeout; sequences then restart under a new producer id', async (t) => {
  const { cluster, sender, send, advance } = setup({ retryBackoffMs: 300, deliveryTimeoutMs: 1000 });
  const delivery = send();
  await advance(0);
  // Attempts at 0, 300 and 900; the retry after that would be at 1900, past the deadline.
  for (const wait of [300, 600]) {
    answerProduce(cluster.unanswered(ApiKey.PRODUCE)[0]!, { errorCode: ErrorCode.REQUEST_TIMED_OUT });
    await advance(wait);
  }
  t.is(cluster.produceRequests().length, 3);
  answerProduce(cluster.unanswered(ApiKey.PRODUCE)[0]!, { errorCode: ErrorCode.REQUEST_TIMED_OUT });
  await advance(99);
  t.false(delivery.settled, 'still within deliveryTimeoutMs at 999 ms');
  await advance(1);
  const error = await t.throwsAsync(delivery.promise, { instanceOf: ClientError });
  t.is(error.code, ClientErrorCode.TIMEOUT);
  t.regex(error.message, /deliveryTimeoutMs \(1000 ms\)/);
  t.is(cluster.produceRequests().length, 3, 'no attempt after the deadline');

  // Whether the broker wrote it is unknown: the next batch goes under a new producer id from sequence 0.
  const [init] = cluster.unanswered(ApiKey.INIT_PRODUCER_ID);
  t.truthy(init, 'InitProducerId asked for');
  const next = send();
  await advance(0);
  t.is(cluster.produceRequests().length, 3, 'nothing sent under the old producer id');
  init!.respond({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 43n, producerEpoch: 0 });
  await advance(0);
  t.is(sender.producerId, 43n);
  const request = cluster.unanswered(ApiKey.PRODUCE)[0]!;
  t.like(sentBatches(request.body)[0]?.header, { producerId: 43n, baseSequence: 0 });
  answerProduce(request, { baseOffset: 1n });
  t.is(await next.promise, 1n);
});

test('a batch for a partition without a leader fails at deliveryTimeoutMs, metadata refreshed meanwhile', async (t) => {
  const { cluster, send, advance } = setup({ idempotent: false, deliveryTimeoutMs: 1000 });
  cluster.setLeaders(TOPIC, [-1]);
  const delivery = send();
  await advance(999);
  t.false(delivery.settled);
  t.true(cluster.metadataRefreshes.length > 1, 'metadata refreshed again and again');
  t.deepEqual(cluster.metadataRefreshes[0], [TOPIC]);
  await advance(1);
  const error = await t.throwsAsync(delivery.promise, { instanceOf: ClientError });
  t.is(error.code, ClientErrorCode.TIMEOUT);
  t.is(cluster.produceRequests().length, 0);
});

test('a stale-metadata error refreshes metadata before the retry, which goes to the new leader', async (t) => {
  const { cluster, send, advance } = setup();
  const delivery = send();
  await advance(0);
  const [first] = cluster.produceRequests();
  t.is(first!.nodeId, 1);
  cluster.prepareMetadataUpdate(TOPIC, [2, 2]);
  answerProduce(first!, { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  await advance(0);
  t.deepEqual(cluster.metadataRefreshes, [[TOPIC]], 'refreshed at once');
  t.is(cluster.produceRequests().length, 1, 'the retry waits for its backoff');
  await advance(100);
  const retry = cluster.produceRequests()[1];
  t.is(retry?.nodeId, 2, 'sent to the new leader');
  t.like(sentBatches(retry!.body)[0]?.header, { producerId: PRODUCER_ID, baseSequence: 0 });
  answerProduce(retry!, { baseOffset: 4n });
  t.is(await delivery.promise, 4n);
});

test('a broken connection fails its requests retriably: metadata is refreshed and the batch resent', async (t) => {
  const { cluster, send, advance } = setup();
  const delivery = send();
  await advance(0);
  cluster.disconnect(1);
  await advance(0);
  t.is(cluster.metadataRefreshes.length, 1);
  await advance(100);
  const retry = cluster.produceRequests()[1];
  t.is(retry?.nodeId, 1);
  t.is(sentBatches(retry!.body)[0]?.header.baseSequence, 0);
  answerProduce(retry!, { baseOffset: 9n });
  t.is(await delivery.promise, 9n);
});

test('a non-retriable error fails the batch at once', async (t) => {
  const { cluster, send, advance } = setup({ idempotent: false });
  const delivery = send();
  await advance(0);
  answerProduce(cluster.produceRequests()[0]!, { errorCode: ErrorCode.INVALID_REQUIRED_ACKS });
  const error = await t.throwsAsync(delivery.promise, { instanceOf: KafkaError });
  t.is(error.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  await advance(10_000);
  t.is(cluster.produceRequests().length, 1, 'not retried');
});

test('acks=0: the batch is written on a one-way socket and succeeds once written, without offsets', async (t) => {
  const oneWay = new MockOneWay();
  const { cluster, send, advance, sender } = setup({ acks: 0, idempotent: false }, { openOneWay: oneWay.opener });
  const delivery = send();
  await advance(0);
  t.is(oneWay.opened, 1);
  t.is(cluster.produceRequests().length, 0, 'nothing goes on the answering connection');
  t.is(oneWay.writes.length, 1);
  const [write] = oneWay.writes;
  t.is(write!.body.acks, 0);
  t.like(sentBatches(write!.body)[0]?.header, { producerId: -1n, baseSequence: -1 });
  write!.done(undefined);
  t.is(await delivery.promise, -1n);
  sender.close(new ClientError(ClientErrorCode.CLOSED, 'closed'));
  t.is(oneWay.closed, 1, 'close() closes the one-way socket');
});

test('acks=0: a write the broker never reads fails at deliveryTimeoutMs', async (t) => {
  const oneWay = new MockOneWay();
  const { send, advance } = setup({ acks: 0, idempotent: false, deliveryTimeoutMs: 500 }, { openOneWay: oneWay.opener });
  const delivery = send();
  await advance(0);
  t.is(oneWay.writes.length, 1);
  await advance(499);
  t.false(delivery.settled);
  await advance(1);
  const error = await t.throwsAsync(delivery.promise, { instanceOf: ClientError });
  t.is(error.code, ClientErrorCode.TIMEOUT);
  // The write's late callback changes nothing.
  oneWay.writes[0]!.done(undefined);
  t.is(delivery.offset, undefined);
});

test('flushing sends at once, whatever lingerMs says, and waitFor resolves when all is answered', async (t) => {
  const { cluster, accumulator, sender, send, advance } = setup({ lingerMs: 60_000 });
  const delivery = send();
  await advance(0);
  t.is(cluster.produceRequests().length, 0);
  sender.flushing++;
  sender.wake();
  let flushed = false;
  const waiting = sender.waitFor(accumulator.open).then(() => {
    flushed = true;
  });
  await advance(0);
  t.is(cluster.produceRequests().length, 1);
  t.false(flushed);
  answerProduce(cluster.produceRequests()[0]!);
  await waiting;
  t.true(flushed);
  t.is(delivery.offset, 0n);
  sender.flushing--;
});

test('close fails every unfinished batch and leaves no timer armed', async (t) => {
  const { cluster, scheduler, sender, send, advance } = setup({ lingerMs: 5000 });
  const retrying = send(0);
  await advance(5000);
  // A stale-metadata error: a retry backoff and a refresh backoff are armed.
  answerProduce(cluster.unanswered(ApiKey.PRODUCE)[0]!, { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  await advance(0);
  // And a batch lingers.
  const lingering = send(1);
  await advance(0);
  t.true(scheduler.pendingTimers() > 0);
  const closed = new ClientError(ClientErrorCode.CLOSED, 'the producer is closed');
  sender.close(closed);
  t.is(scheduler.pendingTimers(), 0);
  t.is(await t.throwsAsync(retrying.promise), closed);
  t.true(lingering.settled);
  // A late answer, and time passing, wake nothing.
  for (const request of cluster.unanswered(ApiKey.PRODUCE)) answerProduce(request);
  await advance(200_000);
  t.is(scheduler.pendingTimers(), 0);
});

/** A transaction manager double: partitions are in the transaction once the test adds them. */
class FakeTransactions {
  readonly transactionalId = 'tx';
  readonly added = new Set<number>();
  readonly asked: number[] = [];
  readonly failures: Error[] = [];

  mayProduce(_topic: string, partition: number): boolean {
    if (this.added.has(partition)) return true;
    this.asked.push(partition);
    return false;
  }

  batchFailed(error: Error): void {
    this.failures.push(error);
  }
}

test('a transactional sender produces to a partition only once it is in the transaction, marking the batch and the request', async (t) => {
  const transactions = new FakeTransactions();
  const { cluster, sender, send, advance } = setup({}, { transactions });
  const delivery = send(0);
  await advance(0);
  t.is(cluster.produceRequests().length, 0, 'nothing sent before the partition is added');
  t.true(transactions.asked.includes(0));
  transactions.added.add(0);
  sender.wake();
  await advance(0);
  const [request] = cluster.produceRequests();
  t.is(request!.body.transactionalId, 'tx');
  const [batch] = sentBatches(request!.body);
  t.true(isTransactionalBatch(batch!.header.attributes));
  answerProduce(request!, { baseOffset: 3n });
  t.is(await delivery.promise, 3n);
  t.deepEqual(transactions.failures, []);
});

test('a transactional batch that fails for good is reported, and sequences wait for the abort instead of a new producer id', async (t) => {
  const transactions = new FakeTransactions();
  transactions.added.add(0);
  const { cluster, sender, send, advance } = setup({}, { transactions });
  const delivery = send(0);
  await advance(0);
  answerProduce(cluster.produceRequests()[0]!, { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  await advance(0);
  await t.throwsAsync(delivery.promise, { instanceOf: KafkaError });
  t.is(transactions.failures.length, 1);
  t.true(sender.sequencesLost);
  await advance(1000);
  t.is(cluster.requests.filter((r) => r.apiKey === ApiKey.INIT_PRODUCER_ID).length, 0, 'no InitProducerId without a transactional id');
  // The unsent batches of a doomed transaction fail at once.
  const later = send(0);
  sender.failUnsent(new Error('aborted'));
  await t.throwsAsync(later.promise, { message: 'aborted' });
});
