import test from 'ava';
import { Subject } from 'rxjs';
import { mapAsync } from '../../../../streams/operators/map-async.ts';
import type { StreamRecord } from '../../../../streams/index.ts';

// Promises cannot run on a marble TestScheduler's virtual time, so this one is driven by hand.
type R = StreamRecord<string, string>;
const rec = (offset: number, key: string, value: string): R => ({ key, value, offset: BigInt(offset), topic: 't', partition: 0, timestamp: 0, headers: [] });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('mapAsync: at most `concurrency` calls, equal keys in order, accept/settle per record', async (t) => {
  const started: string[] = [];
  const resolvers = new Map<string, (v: string) => void>();
  const events: string[] = [];
  const source = new Subject<R>();
  const out: string[] = [];
  let completed = false;
  source
    .pipe(
      mapAsync<string, string, string>(
        (value) => {
          started.push(value);
          return new Promise<string>((resolve) => resolvers.set(value, resolve));
        },
        { concurrency: 2, onAccept: (r) => events.push(`accept ${r.value}`), onSettle: (r) => events.push(`settle ${r.value}`) },
      ),
    )
    .subscribe({ next: (r) => out.push(`${r.key}=${r.value}`), complete: () => (completed = true) });
  source.next(rec(0, 'x', 'x1'));
  source.next(rec(1, 'x', 'x2'));
  source.next(rec(2, 'y', 'y1'));
  source.next(rec(3, 'z', 'z1'));
  t.deepEqual(started, ['x1', 'y1'], 'x2 waits for x1; z1 waits for a free slot');
  resolvers.get('y1')!('Y1');
  await tick();
  t.deepEqual(out, ['y=Y1']);
  t.deepEqual(started, ['x1', 'y1', 'z1']);
  resolvers.get('x1')!('X1');
  await tick();
  t.deepEqual(started, ['x1', 'y1', 'z1', 'x2']);
  source.complete();
  t.false(completed);
  resolvers.get('z1')!('Z1');
  resolvers.get('x2')!('X2');
  await tick();
  t.deepEqual(out, ['y=Y1', 'x=X1', 'z=Z1', 'x=X2']);
  t.true(completed);
  t.deepEqual(events.filter((e) => e.startsWith('settle')), ['settle y1', 'settle x1', 'settle z1', 'settle x2']);
});

test('mapAsync rejects a bad concurrency', (t) => {
  t.throws(() => mapAsync(async (v: string) => v, { concurrency: 0 }), { instanceOf: RangeError });
});
