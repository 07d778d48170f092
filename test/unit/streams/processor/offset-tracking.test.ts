import test from 'ava';
import { filter } from 'rxjs';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { Serdes, StreamsBuilder } from '../../../../streams/index.ts';
import type { InputRecord, RecordCollector, StreamRecord, StreamTask, TaskOptions } from '../../../../streams/index.ts';
import type { KStream } from '../../../../streams/dsl/kstream.ts';
import { PartitionOffsets } from '../../../../streams/processor/offset-tracker.ts';

const S = Serdes.String();

function input(offset: bigint, value: string): InputRecord {
  return { topic: 'in', partition: 0, offset, key: null, value: Buffer.from(value), headers: [], timestamp: 1000n + offset };
}

function record(offset: bigint): InputRecord {
  return input(offset, '');
}

/** A collector whose sends of one turn share one promise, as the runtime's does; `ack()` answers them all. */
function turnCollector(): { collector: RecordCollector; sent: string[]; ack(): void; reject(error: Error): void; calls: number } {
  const state = {
    sent: [] as string[],
    calls: 0,
    pending: undefined as { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined,
  };
  const collector: RecordCollector = {
    send(output) {
      state.sent.push(output.value?.toString() ?? 'null');
      if (state.pending === undefined) {
        let resolve!: () => void;
        let reject!: (error: Error) => void;
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        state.pending = { promise, resolve, reject };
        state.calls++;
      }
      return state.pending.promise;
    },
    partitionCount: () => 1,
  };
  return {
    collector,
    sent: state.sent,
    get calls() {
      return state.calls;
    },
    ack() {
      state.pending?.resolve();
      state.pending = undefined;
    },
    reject(error) {
      state.pending?.reject(error);
      state.pending = undefined;
    },
  };
}

function taskOf(shape: (stream: KStream<string | null, string | null>) => void, collector: RecordCollector, options: Partial<TaskOptions> = {}): StreamTask {
  const builder = new StreamsBuilder();
  shape(builder.stream('in', { keySerde: S, valueSerde: S }));
  return builder.build().createTask({ subtopology: 0, partition: 0 }, { applicationId: 'app', scheduler: new VirtualScheduler(), collector, defaultKeySerde: S, defaultValueSerde: S, ...options });
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---- the tracker ---------------------------------------------------------------------------

test('tracker: the committable offset is the lowest held one, whatever order holds are released in', (t) => {
  const p = new PartitionOffsets('in', 0);
  t.is(p.committable(), undefined);
  const holds: number[] = [];
  for (let o = 100n; o < 105n; o++) {
    const pass = p.begin(record(o));
    holds.push(p.hold(o));
    p.release(pass);
  }
  t.is(p.committable(), 100n);
  p.release(holds[2]!);
  p.release(holds[1]!);
  t.is(p.committable(), 100n);
  p.release(holds[0]!);
  t.is(p.committable(), 103n);
  p.release(holds[0]!);
  t.is(p.committable(), 103n, 'a hold given back twice counts once');
  p.release(holds[4]!);
  p.release(holds[3]!);
  t.is(p.committable(), 105n);
  t.is(p.held, 0);
});

test('tracker: a hold on an offset that was never processed (a gap) holds it back, or the held offset below it', (t) => {
  const p = new PartitionOffsets('in', 0);
  const first = p.begin(record(10n));
  const below = p.hold(10n);
  p.release(first);
  const pass = p.begin(record(20n));
  const gap = p.hold(15n);
  p.release(pass);
  p.release(below);
  t.is(p.committable(), 10n, 'attached to 10, the held offset below 15');
  p.release(gap);
  t.is(p.committable(), 21n);

  const q = new PartitionOffsets('in', 0);
  q.release(q.begin(record(10n)));
  const next = q.begin(record(20n));
  const alone = q.hold(15n);
  q.release(next);
  t.is(q.committable(), 15n, 'nothing held below: 15 itself');
  q.release(alone);
  t.is(q.committable(), 21n);
});

test('tracker: a hold on an offset released but not yet reported holds it; one already reported holds the newest', (t) => {
  const p = new PartitionOffsets('in', 0);
  for (let o = 0n; o < 5n; o++) p.release(p.begin(record(o)));
  const early = p.hold(2n);
  t.is(p.committable(), 2n);
  p.release(early);
  t.is(p.committable(), 5n);
  const late = p.hold(1n);
  t.is(p.committable(), 4n, 'attached to the newest processed offset');
  p.release(late);
  t.is(p.committable(), 5n);
});

test('tracker: holds stay valid while the queue is compacted under them', (t) => {
  const p = new PartitionOffsets('in', 0);
  const first = p.begin(record(0n));
  const stuck = p.hold(0n);
  p.release(first);
  const middle: number[] = [];
  for (let o = 1n; o <= 20_000n; o++) {
    const pass = p.begin(record(o));
    if (o % 1000n === 0n) middle.push(p.hold(o));
    p.release(pass);
  }
  t.is(p.committable(), 0n);
  p.release(stuck);
  t.is(p.committable(), 1000n);
  for (const hold of middle.slice(0, 10)) p.release(hold);
  t.is(p.committable(), 11_000n);
  for (let o = 20_001n; o <= 30_000n; o++) p.release(p.begin(record(o)));
  for (const hold of middle.slice(10)) p.release(hold);
  t.is(p.committable(), 30_001n);
  t.is(p.held, 0);
});

test('tracker: offsets beyond 2^53 are tracked exactly', (t) => {
  const p = new PartitionOffsets('in', 0);
  const big = 2n ** 60n;
  const pass = p.begin(record(big));
  const hold = p.hold(big);
  p.release(pass);
  p.release(p.begin(record(big + 1n)));
  t.is(p.committable(), big);
  p.release(hold);
  t.is(p.committable(), big + 2n);
});

// ---- the task ------------------------------------------------------------------------------

test('sends sharing one collector promise are released together when it resolves', async (t) => {
  const out = turnCollector();
  const task = taskOf((s) => {
    s.to('out');
  }, out.collector);
  for (let o = 0n; o < 5n; o++) task.process(input(o, `v${o}`));
  t.is(out.calls, 1);
  t.is(task.asyncInFlight, 5);
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 0n }]);
  out.ack();
  task.process(input(5n, 'v5'));
  await tick();
  t.is(task.asyncInFlight, 1, 'the sixth send waits on the next promise');
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 5n }]);
  out.ack();
  await task.flush();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 6n }]);
  t.is(task.inFlight, 0);
  await task.close();
});

test('a rejected shared promise fails the task, names its first record, and commits nothing past it', async (t) => {
  const out = turnCollector();
  const errors: Error[] = [];
  const task = taskOf(
    (s) => {
      s.to('out');
    },
    out.collector,
    { onError: (error) => errors.push(error) },
  );
  task.process(input(0n, 'a'));
  out.ack();
  await tick();
  task.process(input(1n, 'b'));
  task.process(input(2n, 'c'));
  out.reject(new Error('broker said no'));
  await tick();
  t.is(errors.length, 1);
  t.regex(errors[0]!.message, /did not acknowledge the record from in topic 'in' partition 0 at offset 1: broker said no/);
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 1n }]);
  await task.close();
});

test('after process() throws, the failed record stays held: commits never pass it, even once everything else is acked', async (t) => {
  const out = turnCollector();
  const task = taskOf(
    (s) => {
      s.mapValues((v) => {
        if (v === 'bad') throw new Error('cannot map');
        return v;
      }).to('out');
    },
    out.collector,
  );
  task.process(input(0n, 'a'));
  task.process(input(1n, 'b'));
  t.throws(
    () => {
      task.process(input(2n, 'bad'));
    },
    { code: 'ERR_STREAMS_PROCESSING' },
  );
  out.ack();
  await tick();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 2n }]);
  await task.close();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 2n }], 'closing does not release it either');
});

test('a sink that cannot serialize the record fails the task at that record', async (t) => {
  const out = turnCollector();
  const failing = {
    serialize: (v: string | null): Buffer => {
      if (v === 'bad') throw new Error('cannot serialize');
      return Buffer.from(v ?? '');
    },
    deserialize: (data: Buffer | null) => S.deserialize(data),
  };
  const task = taskOf(
    (s) => {
      s.to('out', { valueSerde: failing });
    },
    out.collector,
  );
  task.process(input(0n, 'a'));
  t.throws(
    () => {
      task.process(input(1n, 'bad'));
    },
    { code: 'ERR_STREAMS_PRODUCTION' },
  );
  out.ack();
  await tick();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 1n }]);
  await task.close();
});

test('a user pipe() that drops every record holds commits but not the runtime: asyncInFlight counts only sends', async (t) => {
  const out = turnCollector();
  const task = taskOf((s) => {
    s.pipe(filter<StreamRecord<string | null, string | null>>(() => false)).to('out');
  }, out.collector);
  for (let o = 0n; o < 100n; o++) task.process(input(o, `v${o}`));
  t.is(out.sent.length, 0);
  t.is(task.asyncInFlight, 0, 'nothing that finishes by itself is pending');
  t.is(task.inFlight, 100, 'the dropped inputs are still held for commits');
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 0n }]);
  await task.close();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 100n }], 'completing the segment releases them');
});

test('a processing handler that continues sees the raw bytes of the record, also without a dead-letter topic', (t) => {
  const out = turnCollector();
  const seen: (string | undefined)[] = [];
  const task = taskOf(
    (s) => {
      s.mapValues((v) => {
        if (v === 'bad') throw new Error('cannot map');
        return v;
      }).to('out');
    },
    out.collector,
    {
      processingExceptionHandler: (context) => {
        seen.push(context.record.value?.toString());
        return 'continue';
      },
    },
  );
  task.process(input(0n, 'bad'));
  task.process(input(1n, 'ok'));
  t.deepEqual(seen, ['bad']);
  t.deepEqual(out.sent, ['ok']);
});
