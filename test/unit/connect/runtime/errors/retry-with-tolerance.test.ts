import test from 'ava';
import { VirtualScheduler } from '../../../../../core/base/index.ts';
import { dataError, retriableError } from '../../../../../connect/api/index.ts';
import type { ErrorReporter, ProcessingContext } from '../../../../../connect/runtime/errors/error-reporter.ts';
import { RetryWithToleranceOperator } from '../../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { Stage } from '../../../../../connect/runtime/errors/stage.ts';

function recorder(kind: 'log' | 'dlq'): ErrorReporter & { seen: ProcessingContext[] } {
  const seen: ProcessingContext[] = [];
  return {
    kind,
    seen,
    report: (context) => {
      seen.push(context);
      return Promise.resolve();
    },
  };
}

test('tolerance all: a converter failure is reported to every reporter and the record skipped', async (t) => {
  const dlq = recorder('dlq');
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 60_000, tolerance: 'all' }, new VirtualScheduler(), [dlq]);
  const outcome = await op.execute(Stage.VALUE_CONVERTER, 'JsonConverter', () => {
    throw dataError('bad json');
  });
  t.false(outcome.ok);
  t.is(dlq.seen.length, 1);
  t.is(dlq.seen[0]!.stage, 'VALUE_CONVERTER');
  t.is(dlq.seen[0]!.executingClass, 'JsonConverter');
  t.is(op.totalErrors, 1);
});

test('tolerance none: the task fails with "Tolerance exceeded", logged but not sent to the DLQ', async (t) => {
  const log = recorder('log');
  const dlq = recorder('dlq');
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 60_000, tolerance: 'none' }, new VirtualScheduler(), [log, dlq]);
  const error = await t.throwsAsync(
    op.execute(Stage.TRANSFORMATION, 'Cast', () => {
      throw dataError('cannot cast');
    }),
  );
  t.is(error.message, 'Tolerance exceeded in error handler');
  t.is((error.cause as Error).message, 'cannot cast');
  t.is(log.seen.length, 1);
  t.is(dlq.seen.length, 0);
});

test('a retriable failure is retried with doubling backoff until errors.retry.timeout', async (t) => {
  const scheduler = new VirtualScheduler();
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: 2000, retryDelayMaxMs: 1000, tolerance: 'all' }, scheduler, []);
  const attempts: number[] = [];
  const result = op.execute(Stage.TASK_PUT, 'task', () => {
    attempts.push(scheduler.now());
    throw retriableError('busy');
  });
  await scheduler.tick(5000);
  const outcome = await result;
  t.false(outcome.ok);
  const start = attempts[0]!;
  // 300, then 600, then 1000 (capped): the next (capped 1000) would end past 2000 ms.
  t.deepEqual(
    attempts.map((a) => a - start),
    [0, 300, 900, 1900],
  );
});

test('a retriable failure that recovers returns the value', async (t) => {
  const scheduler = new VirtualScheduler();
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: -1, retryDelayMaxMs: 60_000, tolerance: 'none' }, scheduler);
  let calls = 0;
  const result = op.execute(Stage.TASK_PUT, 'task', () => {
    if (++calls < 3) throw retriableError('busy');
    return 'done';
  });
  await scheduler.tick(1000);
  t.deepEqual(await result, { ok: true, value: 'done' });
});

test('a non-retriable error in a stage that does not tolerate errors is rethrown as is', async (t) => {
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'all' }, new VirtualScheduler());
  await t.throwsAsync(
    op.execute(Stage.KAFKA_PRODUCE, 'producer', () => {
      throw new Error('broken');
    }),
    { message: 'broken' },
  );
});

test('retry goes on after a first attempt the caller made: backoff from the failure, then tolerance', async (t) => {
  const scheduler = new VirtualScheduler();
  const dlq = recorder('dlq');
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: 1000, retryDelayMaxMs: 1000, tolerance: 'all' }, scheduler, [dlq]);
  const attempts: number[] = [];
  const failedAt = scheduler.now();
  const result = op.retry(
    Stage.HEADER_CONVERTER,
    'SimpleHeaderConverter',
    () => {
      attempts.push(scheduler.now());
      throw retriableError('busy');
    },
    retriableError('busy'),
    { record: 'r' },
  );
  await scheduler.tick(5000);
  const outcome = await result;
  t.false(outcome.ok);
  // 300 then 600 after the first failure; a third wait (1000) would end past 1000 ms.
  t.deepEqual(
    attempts.map((a) => a - failedAt),
    [300, 900],
  );
  t.is(dlq.seen.length, 1);
  t.is(dlq.seen[0]!.stage, 'HEADER_CONVERTER');
  t.is(dlq.seen[0]!.record, 'r');
});

test('retry with a non-retriable first failure reports it at once and never calls the operation', async (t) => {
  const dlq = recorder('dlq');
  const op = new RetryWithToleranceOperator({ retryTimeoutMs: -1, retryDelayMaxMs: 1000, tolerance: 'all' }, new VirtualScheduler(), [dlq]);
  let calls = 0;
  const outcome = await op.retry(
    Stage.KEY_CONVERTER,
    'StringConverter',
    () => {
      calls++;
      return 'never';
    },
    dataError('not a string'),
  );
  t.false(outcome.ok);
  t.is(calls, 0);
  t.is(dlq.seen.length, 1);
});
