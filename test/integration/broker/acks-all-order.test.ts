import fs from 'node:fs';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from './records.ts';

// Every test here patches the process-wide fs.fdatasync (the partition log's group-commit
// sync), so they run serially, in a file of their own.

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

interface HeldSyncs {
  /** fdatasync calls made so far. */
  started(): number;
  /** Lets the oldest held fdatasync run; `onDone` runs when it completed, before the log hears of it. */
  releaseNext(onDone: () => void): void;
}

/** Holds every fs.fdatasync until the test releases it, so the test decides when data becomes durable. */
function holdFdatasync(t: ExecutionContext): HeldSyncs {
  const target = fs as { fdatasync: typeof fs.fdatasync };
  const original = target.fdatasync;
  const held: ((onDone: () => void) => void)[] = [];
  let started = 0;
  target.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    started++;
    held.push((onDone) => {
      original(fd, (err) => {
        onDone();
        callback(err);
      });
    });
  }) as typeof fs.fdatasync;
  t.teardown(() => {
    target.fdatasync = original;
    // Whatever is still held must finish, or closing the broker would wait for it forever.
    for (const release of held.splice(0)) release(() => undefined);
  });
  return {
    started: () => started,
    releaseNext: (onDone) => {
      const release = held.shift();
      if (release === undefined) throw new Error('no fdatasync is held');
      release(onDone);
    },
  };
}

test.serial('acks=all: no answer reaches the producer before the fdatasync that covers its batch has completed', async (t) => {
  const { broker, port } = await startTestBroker(t, { autoCreateTopics: false, log: { flushPolicy: 'every-append' } });
  const producer = await connect(t, port);
  const probe = await connect(t, port);
  await createTopic(producer, 'synced');
  const handle = broker.topics.partition('synced', 0);
  if (handle === undefined) throw new Error('synced-0 was not created');
  const { log } = handle;
  const syncs = holdFdatasync(t);

  // What happened, in the order it happened in this process: each answer notes what the log
  // reported durable at that moment.
  const events: string[] = [];
  let next = 0n;
  for (let round = 0; round < 3; round++) {
    const batch = valuesBatch([`r${round}-a`, `r${round}-b`, `r${round}-c`]);
    const first = next;
    const last = first + 2n;
    let answered = false;
    const produced = produce(producer, 'synced', 0, batch, { acks: -1 }).then((response) => {
      answered = true;
      events.push(`answered ${response.baseOffset}..${last}, durable below ${log.durableOffset}`);
      return response;
    });
    await waitFor(() => syncs.started() === round + 1, { describe: () => `fdatasync ${round + 1} to start` });
    // Round trips on another connection: an answer written without waiting for the sync was
    // written before the sync started, so it would have arrived by now.
    for (let i = 0; i < 3; i++) await probe.request(ApiKey.METADATA, 8, { topics: [{ name: 'synced' }], allowAutoTopicCreation: false });
    t.false(answered, `round ${round}: answered while the fdatasync covering offsets ${first}..${last} was held`);
    t.is(log.durableOffset, first, `round ${round}: nothing new is durable while the sync is held`);

    syncs.releaseNext(() => events.push(`synced ${first}..${last}`));
    const response = await produced;
    t.is(response.errorCode, 0);
    t.is(response.baseOffset, first);
    next = last + 1n;
  }
  t.deepEqual(events, [
    'synced 0..2',
    'answered 0..2, durable below 3',
    'synced 3..5',
    'answered 3..5, durable below 6',
    'synced 6..8',
    'answered 6..8, durable below 9',
  ]);
});
