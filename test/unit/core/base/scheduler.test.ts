import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { MAX_TIMERS_PER_INSTANT } from '../../../../core/base/scheduler.ts';

test('virtual timers fire in due order, each at its own instant, ties in arming order', (t) => {
  const scheduler = new VirtualScheduler(1_000);
  const fired: string[] = [];
  scheduler.setTimeout(() => fired.push(`b@${scheduler.now()}`), 20);
  scheduler.setTimeout(() => fired.push(`a@${scheduler.now()}`), 10);
  scheduler.setTimeout(() => fired.push(`c@${scheduler.now()}`), 20);
  scheduler.advance(15);
  t.deepEqual(fired, ['a@1010']);
  t.is(scheduler.now(), 1_015);
  scheduler.advance(5);
  t.deepEqual(fired, ['a@1010', 'b@1020', 'c@1020']);
  t.is(scheduler.pendingTimers(), 0);
});

test('a timer armed by a callback fires in the same advance when it falls due within it', (t) => {
  const scheduler = new VirtualScheduler(0);
  const fired: number[] = [];
  scheduler.setTimeout(() => {
    fired.push(scheduler.now());
    scheduler.setTimeout(() => fired.push(scheduler.now()), 5);
  }, 5);
  scheduler.advance(9);
  t.deepEqual(fired, [5]);
  scheduler.advance(1);
  t.deepEqual(fired, [5, 10]);
});

test('cleared timers never fire; intervals repeat until cleared', (t) => {
  const scheduler = new VirtualScheduler(0);
  let once = 0;
  let ticks = 0;
  const timeout = scheduler.setTimeout(() => once++, 10);
  const interval = scheduler.setInterval(() => ticks++, 3);
  scheduler.clearTimeout(timeout);
  scheduler.advance(10);
  t.is(once, 0);
  t.is(ticks, 3);
  scheduler.clearInterval(interval);
  scheduler.advance(100);
  t.is(ticks, 3);
  t.is(scheduler.nextDueAt(), undefined);
});

test('tick lets the promise chain a timer starts finish before the next timer fires', async (t) => {
  const scheduler = new VirtualScheduler(0);
  const seen: string[] = [];
  scheduler.setTimeout(() => {
    void Promise.resolve()
      .then(() => Promise.resolve())
      .then(() => seen.push('first done'));
  }, 1);
  scheduler.setTimeout(() => seen.push('second'), 2);
  await scheduler.tick(2);
  t.deepEqual(seen, ['first done', 'second']);
});

test('sleep resolves when virtual time reaches it; set jumps the clock either way', async (t) => {
  const scheduler = new VirtualScheduler(0);
  let woke = false;
  const sleeping = scheduler.sleep(50).then(() => (woke = true));
  await scheduler.tick(49);
  t.false(woke);
  await scheduler.tick(1);
  await sleeping;
  t.true(woke);
  scheduler.set(10);
  t.is(scheduler.now(), 10);
  t.throws(() => { scheduler.advance(-1); }, { instanceOf: RangeError });
});

test('a callback that keeps re-arming a 0 ms timer makes advance and tick throw instead of spinning', async (t) => {
  const scheduler = new VirtualScheduler(0);
  let fired = 0;
  const rearm = (): void => {
    fired++;
    scheduler.setTimeout(rearm, 0);
  };
  scheduler.setTimeout(rearm, 5);
  const error = t.throws(() => {
    scheduler.advance(10);
  });
  t.regex(error.message, /more than 100000 timers fired at 5 ms without time moving/);
  t.is(fired, MAX_TIMERS_PER_INSTANT);
  t.is(scheduler.now(), 5, 'time stops at the instant that spun');

  const spinning = new VirtualScheduler(0);
  const again = (): void => {
    spinning.setTimeout(again, -1);
  };
  spinning.setTimeout(again, 0);
  await t.throwsAsync(spinning.tick(1), { message: /timers fired at 0 ms/ });
});

test('many timers at one instant and a long chain of 1 ms timers are not mistaken for a spin', (t) => {
  const scheduler = new VirtualScheduler(0);
  let fired = 0;
  for (let i = 0; i < 1000; i++) scheduler.setTimeout(() => fired++, 7);
  let chained = 0;
  const next = (): void => {
    chained++;
    if (chained < MAX_TIMERS_PER_INSTANT + 10) scheduler.setTimeout(next, 1);
  };
  scheduler.setTimeout(next, 1);
  scheduler.advance(MAX_TIMERS_PER_INSTANT + 20);
  t.is(fired, 1000);
  t.is(chained, MAX_TIMERS_PER_INSTANT + 10);
});

test('set may move the clock back: nothing fires, and armed timers keep their due times', (t) => {
  const scheduler = new VirtualScheduler(1_000);
  const fired: number[] = [];
  scheduler.setTimeout(() => fired.push(scheduler.now()), 100);
  scheduler.set(500);
  t.is(scheduler.now(), 500);
  t.deepEqual(fired, []);
  scheduler.advance(599);
  t.deepEqual(fired, [], 'the timer is due at 1100, not 100 ms after the jump');
  scheduler.advance(1);
  t.deepEqual(fired, [1_100]);
});
