import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { RecordsRefused, Serdes, StreamsBuilder } from '../../../../streams/index.ts';
import type { InputRecord, KStream, OutputRecord, RunnableTopology, StreamTask } from '../../../../streams/index.ts';
import { heldTask, tick } from '../held-sends.ts';
import type { HeldSend } from '../held-sends.ts';

const S = Serdes.String();

/** Folds each key's values into one text (store `joined`), written to 'out'. */
function joinValues(stream: KStream<string | null, string | null>): void {
  stream
    .groupByKey({ keySerde: S, valueSerde: S })
    .aggregate(() => '', (_key, value: string | null, joined: string) => `${joined}${value ?? ''}`, { storeName: 'joined', keySerde: S, valueSerde: S })
    .toStream()
    .to('out', { keySerde: S, valueSerde: S });
}

/** A cached aggregate → changelog and output; every send waits for the test to acknowledge it. */
function cachedAggregateTask(cacheMaxBytes = 10 * 1024 * 1024): { task: StreamTask; sent: HeldSend[] } {
  const builder = new StreamsBuilder();
  joinValues(builder.stream('in', { keySerde: S, valueSerde: S }));
  return heldTask(builder.build(), { cacheMaxBytes });
}

/** The values through mapAsync before joinValues; `slow` values (or all, with `allSlow`) wait for `finishSlow()`. */
function slowJoinTopology(allSlow: boolean): { topology: RunnableTopology; finishSlow: () => void } {
  const builder = new StreamsBuilder();
  let finishSlow!: () => void;
  const slow = new Promise<void>((resolve) => {
    finishSlow = resolve;
  });
  joinValues(
    builder.stream('in', { keySerde: S, valueSerde: S }).mapAsync(async (value: string | null) => {
      if (allSlow || value === 'slow') await slow;
      return value;
    }, { concurrency: 4 }),
  );
  return { topology: builder.build(), finishSlow };
}

function input(offset: bigint, key: string, value: string): InputRecord {
  return { topic: 'in', partition: 0, offset, key: Buffer.from(key), value: Buffer.from(value), headers: [], timestamp: 1000n + offset };
}

const committed = (task: StreamTask): bigint | undefined => task.committableOffsets()[0]?.offset;

test('a cached update holds back the first input folded into it, not only the latest: nothing is committable past an effect whose write is unacknowledged', async (t) => {
  const { task, sent } = cachedAggregateTask();
  // Offsets 0..5: keys a, b, a, b, a, b. Each key's cache entry carries its latest input (4, 5).
  for (let i = 0; i < 6; i++) task.process(input(BigInt(i), i % 2 === 0 ? 'a' : 'b', String(i)));
  t.is(sent.length, 0, 'the cache holds every update');
  t.is(committed(task), 0n, 'the flush writes a (from offsets 0, 2, 4) and b: nothing is committable until they land');
  t.is(sent.length, 4, 'changelog and output, per key');
  t.deepEqual(sent.filter((s) => s.record.topic === 'out').map((s) => s.record.value?.toString()), ['024', '135']);
  for (const s of sent.slice(0, 3)) s.ack();
  await tick();
  t.is(committed(task), 0n, 'one write of the flush is still on its way');
  sent[3]!.ack();
  await tick();
  t.is(committed(task), 6n);
});

test('records processed after a flush hold the commit at their own first offset, and a close commits all', async (t) => {
  const { task, sent } = cachedAggregateTask();
  task.process(input(0n, 'a', 'x'));
  t.is(committed(task), 0n);
  task.process(input(1n, 'a', 'y'));
  task.process(input(2n, 'b', 'z'));
  for (const s of sent) s.ack();
  await tick();
  // The second window (1, 2) is flushed by this call; the first one is acknowledged.
  t.is(committed(task), 1n);
  const closing = task.close();
  for (const s of sent.slice(2)) s.ack();
  await closing;
  t.is(committed(task), 3n);
});

test('a cache eviction between commits holds back the first input folded into the evicted entry', async (t) => {
  // Room for one entry: b evicts a, whose entry carries inputs 0 and 1 and is sent as of 1.
  const { task, sent } = cachedAggregateTask(100);
  task.process(input(0n, 'a', '0'));
  task.process(input(1n, 'a', '1'));
  task.process(input(2n, 'b', '2'));
  t.deepEqual(sent.filter((s) => s.record.topic === 'out').map((s) => s.record.value?.toString()), ['01'], 'a was evicted');
  t.is(committed(task), 0n, 'input 0 is only in the unacknowledged eviction');
  for (const s of sent) s.ack();
  await tick();
  t.is(committed(task), 3n);
});

test('a flushed cache whose output the broker refused on one record, and the production handler continued, lets the commit move on', async (t) => {
  const builder = new StreamsBuilder();
  joinValues(builder.stream('in', { keySerde: S, valueSerde: S }));
  // One promise per send, as a batch of one; the output record is refused (too large, say).
  const answers: (() => void)[] = [];
  const task = builder.build().createTask(
    { subtopology: 0, partition: 0 },
    {
      applicationId: 'app',
      scheduler: new VirtualScheduler(),
      productionExceptionHandler: 'continue',
      collector: {
        send: (record) =>
          new Promise<void>((resolve, reject) => {
            answers.push(() => {
              if (record.topic === 'out') reject(new RecordsRefused([{ record, error: new Error('MESSAGE_TOO_LARGE') }]));
              else resolve();
            });
          }),
        partitionCount: () => 1,
      },
    },
  );
  task.process(input(0n, 'a', 'x'));
  task.process(input(1n, 'a', 'y'));
  t.is(committed(task), 0n, 'the flush sends the entry: input 0 waits for it');
  for (const answer of answers) answer();
  await tick();
  t.is(task.error, undefined, 'the handler said continue');
  t.is(committed(task), 2n, 'the refused record was handled: its window no longer holds the commit');
});

test('an input that reaches the cache from mapAsync after a flush is held back with its window: the commit never passes it before the write carrying it lands', async (t) => {
  const { topology, finishSlow } = slowJoinTopology(false);
  const { task, sent } = heldTask(topology);
  task.process(input(0n, 'k', 'slow'));
  t.is(committed(task), 0n, 'input 0 is inside mapAsync; this commit flushes the (empty) caches');
  finishSlow();
  await tick();
  task.process(input(1n, 'k', '-fast'));
  await tick();
  t.is(sent.length, 0, 'both inputs are folded into the cached entry of k');
  t.is(committed(task), 0n, 'the flush sends k carrying inputs 0 and 1: input 0 waits for that write too');
  t.deepEqual(sent.filter((s) => s.record.topic === 'out').map((s) => s.record.value?.toString()), ['slow-fast']);
  for (const s of sent) s.ack();
  await tick();
  t.is(committed(task), 2n);
});

test('closing a task whose mapAsync stage still holds an input: the input either lands (written and acknowledged) or stays uncommitted', async (t) => {
  const { topology, finishSlow } = slowJoinTopology(true);
  const sent: OutputRecord[] = [];
  const task = topology.createTask(
    { subtopology: 0, partition: 0 },
    {
      applicationId: 'app',
      scheduler: new VirtualScheduler(),
      collector: {
        send: (record) => {
          sent.push(record);
          return Promise.resolve();
        },
        partitionCount: () => 1,
      },
    },
  );
  task.process(input(0n, 'k', 'late'));
  const closing = task.close();
  finishSlow();
  await closing;
  await tick();
  const landed = sent.some((r) => r.topic === 'out' && r.value?.toString() === 'late');
  t.is(committed(task), landed ? 1n : 0n, landed ? 'written and acknowledged: committed' : 'never written: not committed');
});
