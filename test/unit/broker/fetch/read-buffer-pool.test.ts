import test from 'ava';
import { ReadBufferPool } from '../../../../broker/fetch/read-buffer-pool.ts';

test('buffers come in power-of-two size classes of at least 4 KiB', (t) => {
  const pool = new ReadBufferPool();
  t.is(pool.acquire(1)!.length, 4096);
  t.is(pool.acquire(4097)!.length, 8192);
  t.is(pool.acquire(1_048_576)!.length, 1_048_576);
  t.is(pool.acquire(1_048_577)!.length, 2_097_152);
});

test('a released buffer is handed out again for the same size class, and only then', (t) => {
  const pool = new ReadBufferPool();
  const first = pool.acquire(100_000)!;
  pool.release(first);
  t.is(pool.acquire(70_000), first);
  t.not(pool.acquire(70_000), first);
});

test('sizes above the pooled maximum, zero and foreign buffers are not pooled', (t) => {
  const pool = new ReadBufferPool({ maxPooledBytes: 65_536 });
  t.is(pool.acquire(65_537), undefined);
  t.is(pool.acquire(0), undefined);
  const foreign = Buffer.alloc(5000);
  pool.release(foreign);
  t.not(pool.acquire(5000)?.buffer, foreign.buffer);
});

test('each size class keeps at most maxPerClass free buffers', (t) => {
  const pool = new ReadBufferPool({ maxPerClass: 2 });
  const buffers = [pool.acquire(4096)!, pool.acquire(4096)!, pool.acquire(4096)!];
  for (const buffer of buffers) pool.release(buffer);
  const again = [pool.acquire(4096)!, pool.acquire(4096)!, pool.acquire(4096)!];
  t.is(again.filter((b) => buffers.includes(b)).length, 2);
});
