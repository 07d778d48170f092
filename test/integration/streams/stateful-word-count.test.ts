import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { KafkaStreams, Serdes, StreamsBuilder, StreamsState, int64NumberSerde } from '../../../streams/index.ts';
import type { ReadOnlyKeyValueStore, StateRestoreListener } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

const S = Serdes.String();
const L = int64NumberSerde();

function wordCount() {
  const builder = new StreamsBuilder();
  builder
    .stream('lines', { keySerde: S, valueSerde: S })
    .flatMapValues((line) => (line ?? '').split(' ').filter((w) => w !== ''))
    .groupBy((_k, word) => word, { keySerde: S, valueSerde: S })
    .count({ storeName: 'counts' })
    .toStream()
    .to('word-counts', { keySerde: S, valueSerde: L });
  return builder.build();
}

const WORDS = ['kafka', 'brook', 'stream', 'table', 'window', 'state', 'join', 'topic'];

/** Deterministic lines: line i holds words picked by i, so the reference is plain arithmetic. */
function lines(from: number, to: number): { topic: string; partition: number; key: string; value: string }[] {
  return Array.from({ length: to - from }, (_, n) => {
    const i = from + n;
    return { topic: 'lines', partition: i % 2, key: `l${i}`, value: [WORDS[i % 8]!, WORDS[(i * 3) % 8]!, WORDS[(i * 5 + 1) % 8]!].join(' ') };
  });
}

function reference(input: readonly { value: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { value } of input) for (const word of value.split(' ')) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** The latest count per word in the output topic. */
function latest(records: readonly { key: Buffer | null; value: Buffer | null }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) out.set(text(r.key)!, Number(r.value!.readBigInt64BE(0)));
  return out;
}

interface RestoreEvent {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
  total?: number;
}

function recordingListener(events: RestoreEvent[]): StateRestoreListener {
  return {
    onRestoreStart: (topic, partition, _store, start, end) => {
      if (topic.endsWith('-counts-changelog')) events.push({ partition, start, end });
    },
    onRestoreEnd: (topic, partition, _store, total) => {
      const event = events.findLast((e) => e.partition === partition);
      if (topic.endsWith('-counts-changelog') && event !== undefined) event.total = total;
    },
  };
}

test('word count against a broker matches a plain-code count; after a restart the store comes back from checkpoint + changelog tail and the count goes on', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { lines: 2, 'word-counts': 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-wc-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const options = { applicationId: 'wc', bootstrapServers: bootstrap, commitIntervalMs: 100, stateDir };

  const first = lines(0, 200);
  await produceAll(bootstrap, first);
  const app = await startApp(t, wordCount(), options);
  const want1 = reference(first);
  await readTopic(bootstrap, 'word-counts', (records) => [...want1].every(([w, n]) => latest(records).get(w) === n));
  await waitFor(() => app.state === StreamsState.RUNNING && [...want1].every(([w, n]) => (app.store('counts') as ReadOnlyKeyValueStore<string, number> | undefined)?.get(w) === n), {
    timeoutMs: 20_000,
    describe: () => `the 'counts' store to hold the reference counts; state ${app.state}`,
  });
  await app.close();

  // While the app is down more input arrives; the restart restores, then counts on.
  const second = lines(200, 300);
  await produceAll(bootstrap, second);
  const events: RestoreEvent[] = [];
  const again = new KafkaStreams(wordCount(), options);
  again.setGlobalStateRestoreListener(recordingListener(events));
  t.teardown(() => again.close());
  await again.start();
  const want2 = reference([...first, ...second]);
  const out = await readTopic(bootstrap, 'word-counts', (records) => [...want2].every(([w, n]) => latest(records).get(w) === n));
  const got = latest(out);
  t.deepEqual([...got].sort(), [...want2].sort());
  t.is(events.length, 2, 'each changelog partition restored once');
  for (const event of events) {
    // The clean close checkpointed the whole changelog: nothing is left to read from it.
    t.true(event.start > 0n, `partition ${event.partition} restored from its checkpoint, not the start`);
    t.is(event.start, event.end);
    t.is(event.total, 0);
  }
});
