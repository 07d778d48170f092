import test from 'ava';
import { newFetchContext } from '../../../../broker/fetch/fetch-context.ts';
import type { FetchContext } from '../../../../broker/fetch/fetch-context.ts';
import { FetchSessionCache } from '../../../../broker/fetch/fetch-session-cache.ts';
import { CachedPartition, FINAL_EPOCH, nextEpoch } from '../../../../broker/fetch/fetch-session.ts';
import type { FetchPartitionData } from '../../../../broker/fetch/fetch-session.ts';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import type { FetchRequest } from '../../../../core/protocol/index.ts';

const EVICTION_MS = 120_000;

function sequentialIds(): () => number {
  let id = 100;
  return () => ++id;
}

function cacheOf(scheduler: VirtualScheduler, maxSessions = 1000): FetchSessionCache {
  return new FetchSessionCache({ clock: scheduler, maxSessions, newSessionId: sequentialIds() });
}

function partitions(count: number, topic = 't'): CachedPartition[] {
  return Array.from(
    { length: count },
    (_, partition) => new CachedPartition({ topic, partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20, logStartOffset: -1n, currentLeaderEpoch: -1 }),
  );
}

function request(sessionId: number, sessionEpoch: number, parts: [string, number, bigint][], forgotten: [string, number[]][] = []): FetchRequest {
  const topics = new Map<string, FetchRequest['topics'][number]>();
  for (const [topic, partition, fetchOffset] of parts) {
    let entry = topics.get(topic);
    if (entry === undefined) {
      entry = { topic, partitions: [] };
      topics.set(topic, entry);
    }
    entry.partitions.push({ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 });
  }
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics: [...topics.values()],
    forgottenTopicsData: forgotten.map(([topic, ps]) => ({ topic, partitions: ps })),
    rackId: '',
  };
}

interface Fake {
  hw: bigint;
  records?: number;
  error?: number;
}

/** Answers a context as the handler would, from a table of partition states. */
function answer(context: FetchContext, state: Map<string, Fake>) {
  if (context.kind === 'error') throw new Error(`unexpected error context ${context.errorCode}`);
  const results = context.targets.map((target): FetchPartitionData => {
    const s = state.get(`${target.topic}-${target.partition}`) ?? { hw: 0n };
    return {
      partitionIndex: target.partition,
      errorCode: s.error ?? 0,
      highWatermark: s.hw,
      lastStableOffset: s.hw,
      logStartOffset: 0n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: Buffer.alloc(s.records ?? 0),
    };
  });
  const out = context.respond(results);
  return { ...out, partitions: out.responses.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partitionIndex}`)), targets: context.targets };
}

test('nextEpoch counts from 1, wraps to 1 after int32 max, and keeps -1', (t) => {
  t.is(nextEpoch(0), 1);
  t.is(nextEpoch(41), 42);
  t.is(nextEpoch(0x7fffffff), 1);
  t.is(nextEpoch(FINAL_EPOCH), FINAL_EPOCH);
});

test('epoch -1 is a sessionless full fetch; epoch 0 opens a session that answers with its id', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  const parts: [string, number, bigint][] = [
    ['a', 0, 0n],
    ['a', 1, 0n],
    ['b', 0, 0n],
  ];
  const sessionless = answer(newFetchContext(cache, request(0, -1, parts)), new Map());
  t.is(sessionless.sessionId, 0);
  t.deepEqual(sessionless.partitions, ['a-0', 'a-1', 'b-0']);
  t.is(cache.size, 0);

  const full = answer(newFetchContext(cache, request(0, 0, parts)), new Map());
  t.is(full.sessionId, 101);
  t.deepEqual(full.partitions, ['a-0', 'a-1', 'b-0']);
  t.is(cache.get(101)?.epoch, 1);
  t.is(cache.get(101)?.size, 3);
});

test('an unknown session is FETCH_SESSION_ID_NOT_FOUND and a wrong epoch INVALID_FETCH_SESSION_EPOCH', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  t.like(newFetchContext(cache, request(7, 1, [])), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  const id = answer(newFetchContext(cache, request(0, 0, [['a', 0, 0n]])), new Map()).sessionId;
  t.like(newFetchContext(cache, request(id, 2, [])), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  t.like(newFetchContext(cache, request(id, 0x7fffffff, [])), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  // A refused request does not move the epoch: the right one still works.
  t.like(newFetchContext(cache, request(id, 1, [])), { kind: 'incremental' });
  t.like(newFetchContext(cache, request(id, 1, [])), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH }, 'epoch 1 was used');
  t.like(newFetchContext(cache, request(id, 2, [])), { kind: 'incremental' });
});

test('an incremental response carries only partitions with new records, moved offsets or errors', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  const state = new Map<string, Fake>([
    ['a-0', { hw: 10n }],
    ['a-1', { hw: 10n }],
    ['a-2', { hw: 10n }],
  ]);
  const id = answer(
    newFetchContext(
      cache,
      request(0, 0, [
        ['a', 0, 10n],
        ['a', 1, 10n],
        ['a', 2, 10n],
      ]),
    ),
    state,
  ).sessionId;

  const quiet = answer(newFetchContext(cache, request(id, 1, [])), state);
  t.deepEqual(quiet.partitions, [], 'nothing changed, nothing sent');
  t.is(quiet.targets.length, 3, 'but every partition of the session was read');

  state.set('a-1', { hw: 12n, records: 50 });
  state.set('a-2', { hw: 11n });
  const changed = answer(newFetchContext(cache, request(id, 2, [])), state);
  t.deepEqual(changed.partitions, ['a-1', 'a-2']);
  state.set('a-1', { hw: 12n });

  state.set('a-0', { hw: 10n, error: ErrorCode.KAFKA_STORAGE_ERROR });
  t.deepEqual(answer(newFetchContext(cache, request(id, 3, [])), state).partitions, ['a-0']);
  state.set('a-0', { hw: 10n });
  t.deepEqual(answer(newFetchContext(cache, request(id, 4, [])), state).partitions, ['a-0'], 'a partition is sent again once its error clears');
  t.deepEqual(answer(newFetchContext(cache, request(id, 5, [])), state).partitions, []);
});

test('incremental requests add and update partitions, and forgotten ones leave the session', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  const state = new Map<string, Fake>([
    ['a-0', { hw: 5n }],
    ['b-0', { hw: 5n }],
  ]);
  const id = answer(newFetchContext(cache, request(0, 0, [['a', 0, 5n]])), state).sessionId;
  const added = answer(newFetchContext(cache, request(id, 1, [['b', 0, 3n]])), state);
  t.deepEqual(added.partitions, ['b-0'], 'a newly added partition is always sent');
  t.deepEqual(
    added.targets.map((p) => [p.topic, p.partition, p.fetchOffset]),
    [
      ['a', 0, 5n],
      ['b', 0, 3n],
    ],
  );
  const updated = newFetchContext(cache, request(id, 2, [['a', 0, 4n]], [['b', [0]]]));
  t.is(updated.kind, 'incremental');
  if (updated.kind !== 'incremental') return;
  t.deepEqual(
    updated.targets.map((p) => [p.topic, p.partition, p.fetchOffset]),
    [['a', 0, 4n]],
  );
  // Forgetting the last partition ends the session.
  const emptied = newFetchContext(cache, request(id, 3, [], [['a', [0]]]));
  t.is(emptied.kind, 'sessionless');
  t.is(cache.get(id), undefined);
});

test('a partition that returned records moves to the end of the fetch order', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  const state = new Map<string, Fake>();
  const id = answer(
    newFetchContext(
      cache,
      request(0, 0, [
        ['a', 0, 0n],
        ['a', 1, 0n],
        ['a', 2, 0n],
      ]),
    ),
    state,
  ).sessionId;
  state.set('a-0', { hw: 3n, records: 10 });
  answer(newFetchContext(cache, request(id, 1, [])), state);
  const next = answer(newFetchContext(cache, request(id, 2, [])), new Map([['a-0', { hw: 3n }]]));
  t.deepEqual(
    next.targets.map((p) => p.partition),
    [1, 2, 0],
  );
});

test('a full fetch naming a session closes it; epoch -1 closes it without opening another', (t) => {
  const cache = cacheOf(new VirtualScheduler());
  const first = answer(newFetchContext(cache, request(0, 0, [['a', 0, 0n]])), new Map()).sessionId;
  const second = answer(newFetchContext(cache, request(first, 0, [['a', 0, 0n]])), new Map()).sessionId;
  t.not(second, first);
  t.is(cache.get(first), undefined);
  t.is(answer(newFetchContext(cache, request(second, -1, [['a', 0, 0n]])), new Map()).sessionId, 0);
  t.is(cache.size, 0);
});

test('a full cache evicts a session unused for longer than the eviction time', (t) => {
  const scheduler = new VirtualScheduler();
  const cache = cacheOf(scheduler, 2);
  const a = cache.maybeCreate(false, partitions(5));
  scheduler.advance(1000);
  const b = cache.maybeCreate(false, partitions(5));
  t.is(cache.maybeCreate(false, partitions(100)), 0, 'both are fresh: no room');
  scheduler.advance(EVICTION_MS);
  cache.touch(cache.get(a)!);
  scheduler.advance(1001);
  const c = cache.maybeCreate(false, partitions(1));
  t.not(c, 0);
  t.is(cache.get(b), undefined, 'the least recently used, stale session went');
  t.truthy(cache.get(a));
  t.is(cache.evictionCount, 1);
});

test('without stale sessions, an older session with fewer partitions gives way to a bigger newcomer', (t) => {
  const scheduler = new VirtualScheduler();
  const cache = cacheOf(scheduler, 2);
  const small = cache.maybeCreate(false, partitions(3));
  const big = cache.maybeCreate(false, partitions(10));
  scheduler.advance(EVICTION_MS + 1);
  // Used just now, so not stale; old enough since creation to be evictable.
  cache.touch(cache.get(small)!);
  cache.touch(cache.get(big)!);
  t.is(cache.maybeCreate(false, partitions(3)), 0, 'a tie keeps the incumbent');
  t.is(cache.maybeCreate(false, partitions(2)), 0, 'a smaller newcomer is refused');
  const newcomer = cache.maybeCreate(false, partitions(4));
  t.not(newcomer, 0);
  t.is(cache.get(small), undefined);
  t.truthy(cache.get(big));
});

test('young sessions cannot be evicted by consumers, but a follower displaces a consumer', (t) => {
  const scheduler = new VirtualScheduler();
  const cache = cacheOf(scheduler, 1);
  const consumer = cache.maybeCreate(false, partitions(50));
  scheduler.advance(1000);
  t.is(cache.maybeCreate(false, partitions(500)), 0, 'younger than the eviction time');
  const follower = cache.maybeCreate(true, partitions(1));
  t.not(follower, 0);
  t.is(cache.get(consumer), undefined);
  scheduler.advance(1000);
  t.is(cache.maybeCreate(true, partitions(1000)), 0, 'a young follower session is safe even from followers');
});

test('the session cache holds 1000 sessions by default, like Kafka', (t) => {
  const cache = new FetchSessionCache({ clock: new VirtualScheduler(), newSessionId: sequentialIds() });
  for (let i = 0; i < 1000; i++) t.not(cache.maybeCreate(false, partitions(1)), 0);
  t.is(cache.maybeCreate(false, partitions(1)), 0);
  t.is(cache.size, 1000);
  t.is(cache.totalPartitions, 1000);
});
