import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ProducerRecord } from '../../../client/index.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { bitsOf, committedOffsets, dumpStore, kill, openAdmin, readToEnd, restores, spawnCollectApp, untilRunning } from './collect-harness.ts';
import { createTopics, produceAll, startStreamsBroker, text } from './streams-fixtures.ts';
import type { OutputRecord } from './streams-fixtures.ts';

const KEYS = 300;
const PER_KEY = 40;
/** Inputs 0..FIRST_PART-1 of every key are there at the first start; the rest come after the kill. */
const FIRST_PART = 24;
const INPUT = 'collect-in';
const OUTPUT = 'collect-out';
const APP_ID = 'collect';
const CHANGELOG = `${APP_ID}-collected-changelog`;
const KEY_NAMES = Array.from({ length: KEYS }, (_, k) => `k${k}`);
const WHOLE = Array.from({ length: PER_KEY }, (_, i) => i).join();

/** Inputs `from`..`to`-1 of every key, padded; the aggregate of each key ends as bits 0..PER_KEY-1. */
function inputs(from: number, to: number): ProducerRecord[] {
  const out: ProducerRecord[] = [];
  for (let i = from; i < to; i++) for (const key of KEY_NAMES) out.push({ topic: INPUT, key, value: `${i}:${'x'.repeat(200)}` });
  return out;
}

const indexOf = (r: OutputRecord): number => Number.parseInt(text(r.value)!, 10);

/** Per key, every bit any of its records held. */
function unionByKey(records: readonly OutputRecord[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const r of records) {
    const key = text(r.key)!;
    let bits = out.get(key);
    if (bits === undefined) out.set(key, (bits = new Set()));
    for (const b of bitsOf(r.value)) bits.add(b);
  }
  return out;
}

/** Keys whose aggregate in a store dump is not every input index. */
function wrongAggregates(store: ReadonlyMap<string, number[]>): string[] {
  return KEY_NAMES.filter((key) => store.get(key)?.join() !== WHOLE).map((key) => `${key}: ${store.get(key)?.join() ?? 'absent'}`);
}

test('kill -9 of a cached stateful app with 20 KB aggregates mid-run: committed offsets never pass an effect that did not land; the restart completes every aggregate; a clean restart restores from the checkpoint', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  const admin = await openAdmin(t, bootstrap);
  await createTopics(bootstrap, { [INPUT]: 2, [OUTPUT]: 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-collect-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  await produceAll(bootstrap, inputs(0, FIRST_PART));
  const args = { bootstrap, applicationId: APP_ID, input: INPUT, output: OUTPUT, stateDir };

  // The app folds many inputs per key into its cache before its first commit, whose flush is
  // 300 keys × 2 writes × 20 KB. Killed as soon as a commit moves past 0: a commit that ran ahead
  // of its flushed writes' acknowledgements is caught with most of them still on their way.
  const first = spawnCollectApp(t, args);
  await untilRunning(first);
  await pollUntil(() => committedOffsets(admin, APP_ID, INPUT), (offsets) => first.exited || [...offsets.values()].some((o) => o > 0n), 'a first commit', 30_000);
  await kill(first, 'SIGKILL');
  t.false(first.lines.some((line) => line.startsWith('error ')), first.lines.join(' | '));
  const committed = await committedOffsets(admin, APP_ID, INPUT);

  // Every input below a committed offset has its effect in the changelog and in the output.
  const inputRecords = await readToEnd(bootstrap, INPUT);
  const covered = inputRecords.filter((r) => r.offset < (committed.get(r.partition) ?? -1n));
  t.true(covered.length > 0);
  for (const topic of [CHANGELOG, OUTPUT]) {
    const seen = unionByKey(await readToEnd(bootstrap, topic));
    const missing = covered.filter((r) => seen.get(text(r.key)!)?.has(indexOf(r)) !== true);
    t.deepEqual(
      missing.slice(0, 3).map((r) => `${text(r.key)} input ${indexOf(r)} (partition ${r.partition} offset ${r.offset})`),
      [],
      `${topic}: ${missing.length} inputs below the committed offsets ${[...committed].map(([p, o]) => `${p}:${o}`).join(' ')} never landed`,
    );
  }

  // Restarted on the rest of the input, the app ends with every input in every aggregate.
  await produceAll(bootstrap, inputs(FIRST_PART, PER_KEY));
  const second = spawnCollectApp(t, args);
  await untilRunning(second);
  const inputEnds = new Map<number, bigint>();
  for (const r of await readToEnd(bootstrap, INPUT)) inputEnds.set(r.partition, r.offset + 1n);
  await pollUntil(
    () => committedOffsets(admin, APP_ID, INPUT),
    (offsets) => second.exited || [...inputEnds].every(([p, end]) => offsets.get(p) === end),
    'the whole input committed',
    30_000,
  );
  const output = unionByKey(await readToEnd(bootstrap, OUTPUT));
  const incomplete = KEY_NAMES.filter((key) => [...(output.get(key) ?? [])].sort((a, b) => a - b).join() !== WHOLE);
  t.deepEqual(incomplete.slice(0, 3), [], `${incomplete.length} keys whose output lacks an input`);
  const live = wrongAggregates(await dumpStore(second));
  t.deepEqual(live.slice(0, 3), [], `${live.length} wrong aggregates in the store`);

  // A clean close checkpoints; the next start restores from the checkpoint and reads only the
  // changelog past it (nothing, here).
  await kill(second, 'SIGTERM');
  const last = spawnCollectApp(t, args);
  await untilRunning(last);
  await waitFor(() => restores(last).length === 2, { timeoutMs: 20_000, describe: () => `both changelog partitions restored; the app said ${last.lines.join(' | ')}` });
  for (const r of restores(last)) {
    t.true(r.start > 0n && r.start === r.end && r.total === 0, `changelog partition ${r.partition}: restored ${r.total} records from ${r.start} to ${r.end}`);
  }
  const restored = wrongAggregates(await dumpStore(last));
  t.deepEqual(restored.slice(0, 3), [], `${restored.length} wrong aggregates after restoring from the checkpoint`);
  await kill(last, 'SIGTERM');
});
