import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { LogErrorCode, PartitionLog, resolveLogConfig } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { decodeAll } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

/*
 * What moves the high watermark. `append` (the default): the append itself, under every
 * flush policy. `durable`: the sync the flush policy promises. Time is virtual, so the
 * interval policy's timer fires only when a test advances it.
 */

const INTERVAL_MS = 1000;

function openLog(t: ExecutionContext, config: Partial<LogConfig>, scheduler = new VirtualScheduler()): PartitionLog {
  const log = PartitionLog.open(tempDir(t), { config: { flushIntervalMs: INTERVAL_MS, ...config }, scheduler });
  t.teardown(() => log.close());
  return log;
}

for (const flushPolicy of ['every-append', 'interval', 'none'] as const) {
  test(`append visibility, ${flushPolicy}: the high watermark is the log end as soon as append returns`, (t) => {
    const log = openLog(t, { flushPolicy });
    t.is(log.logConfig.visibility, 'append', 'the default');
    for (let i = 0; i < 5; i++) {
      const info = log.append(testBatch({ count: 3 }));
      t.is(log.highWatermark, info.lastOffset + 1n);
      t.is(log.highWatermark, log.logEndOffset);
      t.deepEqual(
        decodeAll(log.read(info.firstOffset, 1 << 20, { maxOffset: log.highWatermark }).records).map((r) => r.offset),
        [info.firstOffset, info.firstOffset + 1n, info.lastOffset],
      );
      t.notThrows(() => log.deleteRecordsBefore(log.highWatermark));
    }
  });
}

test('append visibility, every-append: the high watermark runs ahead of the durable offset until the sync', async (t) => {
  const log = openLog(t, { flushPolicy: 'every-append' });
  const info = log.append(testBatch({ count: 4 }));
  t.is(log.durableOffset, 0n, 'no sync has run yet');
  t.is(log.highWatermark, 4n);
  await log.waitDurable(info.lastOffset);
  t.is(log.durableOffset, 4n);
  t.is(log.highWatermark, 4n);
});

test('durable visibility, interval: the high watermark waits for the timer sync', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = openLog(t, { flushPolicy: 'interval', visibility: 'durable' }, scheduler);
  const info = log.append(testBatch({ count: 3 }));
  t.is(log.highWatermark, 0n);
  t.is(log.read(0n, 1 << 20, { maxOffset: log.highWatermark }).records.length, 0);
  throwsCode(t, () => log.deleteRecordsBefore(3n), LogErrorCode.OFFSET_OUT_OF_RANGE);
  const synced = log.waitDurable(info.lastOffset);
  scheduler.advance(INTERVAL_MS);
  await synced;
  t.is(log.highWatermark, 3n);
  t.is(log.deleteRecordsBefore(3n), 3n);
});

test('durable visibility under the none policy is the log end: nothing would ever sync', (t) => {
  const log = openLog(t, { flushPolicy: 'none', visibility: 'durable' });
  log.append(testBatch({ count: 2 }));
  t.is(log.durableOffset, 0n);
  t.is(log.highWatermark, 2n);
});

for (const [what, from, to] of [
  ['visibility append → durable', { flushPolicy: 'interval' }, { visibility: 'durable' }],
  ['flush policy none → interval under durable visibility', { flushPolicy: 'none', visibility: 'durable' }, { flushPolicy: 'interval' }],
] as const) {
  test(`a stricter rule at run time (${what}) never moves the high watermark backwards`, async (t) => {
    const log = openLog(t, from);
    log.append(testBatch({ count: 2 }));
    t.is(log.highWatermark, 2n);
    log.updateConfig(to);
    t.is(log.highWatermark, 2n, 'what consumers may have read stays readable');
    log.append(testBatch({ count: 1 }));
    t.is(log.highWatermark, 2n, 'new records wait for their sync');
    await log.flush();
    t.is(log.highWatermark, 3n);
    log.updateConfig({ visibility: 'append' });
    log.append(testBatch({ count: 1 }));
    t.is(log.highWatermark, 4n);
  });
}

test('resolveLogConfig refuses an unknown visibility, naming the field', (t) => {
  const err = t.throws(() => resolveLogConfig({ visibility: 'eventually' as LogConfig['visibility'] }));
  t.regex(err.message, /visibility/);
  t.is(resolveLogConfig().visibility, 'append');
});
