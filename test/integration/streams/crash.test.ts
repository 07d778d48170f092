import test from 'ava';
import type { ExecutionContext } from 'ava';
import { kill, spawnFixture, untilRunning } from './collect-harness.ts';
import type { CollectApp } from './collect-harness.ts';
import { createTopics, produceAll, readTopic, startStreamsBroker, text } from './streams-fixtures.ts';

const spawnApp = (t: ExecutionContext, bootstrap: string): CollectApp => spawnFixture(t, 'streams-slow-sink-app.ts', [bootstrap, 'crash-app', 'crash-in', 'crash-out']);

test('kill -9 of an app whose sink is slow, mid-stream: after a restart every input record is in the output (duplicates allowed)', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { 'crash-in': 2, 'crash-out': 2 });
  const total = 2000;
  const values = Array.from({ length: total }, (_, i) => `v${i}`);
  await produceAll(
    bootstrap,
    values.map((value, i) => ({ topic: 'crash-in', partition: i % 2, key: `k${i % 10}`, value })),
  );

  const first = spawnApp(t, bootstrap);
  await untilRunning(first);
  // Mid-stream: some output is acknowledged, most of the input is not processed yet.
  const before = await readTopic(bootstrap, 'crash-out', (records) => records.length >= 300, 30_000);
  await kill(first, 'SIGKILL');
  const seenBefore = new Set(before.map((r) => text(r.value)));
  t.true(seenBefore.size < total, 'killed before it finished');

  const second = spawnApp(t, bootstrap);
  const after = await readTopic(
    bootstrap,
    'crash-out',
    (records) => {
      const seen = new Set(records.map((r) => text(r.value)));
      return values.every((v) => seen.has(`done:${v}`));
    },
    60_000,
  );
  await kill(second, 'SIGTERM');
  const seen = new Set(after.map((r) => text(r.value)));
  t.deepEqual(
    values.filter((v) => !seen.has(`done:${v}`)),
    [],
    'nothing missing',
  );
  // Per key, the first occurrences come in input order (duplicates re-run a suffix, never skip).
  for (let k = 0; k < 10; k++) {
    const firsts: string[] = [];
    const once = new Set<string>();
    for (const r of after) {
      const v = text(r.value)!;
      if (text(r.key) !== `k${k}` || once.has(v)) continue;
      once.add(v);
      firsts.push(v);
    }
    t.deepEqual(
      firsts,
      values.filter((_, i) => i % 10 === k).map((v) => `done:${v}`),
    );
  }
});
