import test from 'ava';
import { TestScheduler } from 'rxjs/testing';
import { filterRecords } from '../../../../streams/operators/filter-records.ts';
import { flatMapValues } from '../../../../streams/operators/flat-map-values.ts';
import { mapValues } from '../../../../streams/operators/map-values.ts';
import { selectKey } from '../../../../streams/operators/select-key.ts';
import { splitRecords, branchOf } from '../../../../streams/operators/split-records.ts';
import { recordStep } from '../../../../streams/operators/record-step.ts';
import { trackedSegment } from '../../../../streams/operators/tracked-segment.ts';
import { bufferCount, map } from 'rxjs';
import type { StreamRecord } from '../../../../streams/index.ts';

type R = StreamRecord<string, number>;
const rec = (offset: number, value: number, key = 'k'): R => ({ key, value, offset: BigInt(offset), topic: 't', partition: 0, timestamp: offset, headers: [] });

function marbles(t: { deepEqual: (a: unknown, b: unknown) => void }): TestScheduler {
  return new TestScheduler((actual, expected) => {
    t.deepEqual(actual, expected);
  });
}

test('filterRecords keeps (or with negate drops) what the predicate accepts', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const values = { a: rec(0, 1), b: rec(1, 2), c: rec(2, 3) };
    expectObservable(cold('a-b-c|', values).pipe(filterRecords<string, number>((_k, v) => v % 2 === 1))).toBe('a---c|', values);
    expectObservable(cold('a-b-c|', values).pipe(filterRecords<string, number>((_k, v) => v % 2 === 1, true))).toBe('--b--|', values);
  });
});

test('mapValues, selectKey and flatMapValues keep the source position', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const a = rec(0, 2);
    expectObservable(cold('a|', { a }).pipe(mapValues<string, number, number>((v) => v * 10))).toBe('a|', { a: { ...a, value: 20 } });
    expectObservable(cold('a|', { a }).pipe(selectKey<string, number, string>((_k, v) => `n${v}`))).toBe('a|', { a: { ...a, key: 'n2' } });
    expectObservable(cold('a----|', { a }).pipe(flatMapValues<string, number, number>((v) => [v, v + 1]))).toBe('(xy)-|', { x: a, y: { ...a, value: 3 } });
  });
});

test('recordStep: a throw for one record goes to onError and the stream goes on', (t) => {
  const failed: number[] = [];
  marbles(t).run(({ cold, expectObservable }) => {
    const values = { a: 1, b: 2, c: 3 };
    const op = recordStep<number, number>(
      (v, emit) => {
        if (v === 2) throw new Error('two');
        emit(v);
      },
      (_e, v) => failed.push(v),
    );
    expectObservable(cold('a-b-c|', values).pipe(op)).toBe('a---c|', values);
    // Without a hook the error ends the stream, as in plain RxJS.
    const unguarded = recordStep<number, number>((v, emit) => {
      if (v === 2) throw new Error('two');
      emit(v);
    });
    expectObservable(cold('a-b-c|', values).pipe(unguarded)).toBe('a-#', values, new Error('two'));
  });
  t.deepEqual(failed, [2]);
});

test('splitRecords routes to the first matching branch, then the default', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const values = { a: rec(0, 20), b: rec(1, 7), c: rec(2, 1) };
    const routed = cold('a-b-c|', values).pipe(splitRecords<string, number>([(_k, v) => v > 10, (_k, v) => v > 5], () => true));
    expectObservable(routed.pipe(branchOf(0))).toBe('a----|', values);
    expectObservable(routed.pipe(branchOf(1))).toBe('--b--|', values);
    expectObservable(routed.pipe(branchOf(2))).toBe('----c|', values);
  });
});

test('trackedSegment holds inputs until an output with an offset at least theirs leaves', (t) => {
  const log: string[] = [];
  marbles(t).run(({ cold, expectObservable }) => {
    const values = { a: rec(0, 1), b: rec(1, 2), c: rec(2, 3) };
    const hooks = {
      hold: (p: { offset: bigint }) => {
        log.push(`hold ${p.offset}`);
        return p.offset;
      },
      release: (offset: bigint) => log.push(`release ${offset}`),
    };
    const pairs = trackedSegment<R, R, bigint>(
      (s) => s.pipe(bufferCount(2), map((pair) => ({ ...pair[pair.length - 1]!, value: pair.reduce((sum, r) => sum + r.value, 0) }))),
      hooks,
    );
    expectObservable(cold('a-b-c|', values).pipe(pairs)).toBe('--x--(y|)', { x: { ...values.b, value: 3 }, y: { ...values.c, value: 3 } });
  });
  t.deepEqual(log, ['hold 0', 'hold 1', 'release 0', 'release 1', 'hold 2', 'release 2']);
});
