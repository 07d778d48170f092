import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../core/base/index.ts';
import { ApiKey } from '../../../core/protocol/index.ts';
import { Broker, createLogger, resolveBrokerConfig } from '../../../broker/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, fetchOne } from './records.ts';
import type { FetchPartition } from './records.ts';

/** A broker whose timers run on `scheduler`, so a test decides when a long poll's wait ends. */
async function startVirtualTimeBroker(t: ExecutionContext, scheduler: VirtualScheduler): Promise<Broker> {
  const config = resolveBrokerConfig({ dataDir: tempDir(t), host: '127.0.0.1', port: 0, autoCreateTopics: false, logLevel: 'silent' });
  const broker = await Broker.start(config, { scheduler, logger: createLogger({ level: 'silent', pretty: false }) });
  t.teardown(() => broker.close());
  return broker;
}

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

/** Fetches parked in the broker's purgatory; nothing on the wire says a fetch is waiting. */
function parkedFetches(broker: Broker): number {
  return (broker as unknown as { delayed: { size: number } }).delayed.size;
}

test('a long-poll fetch with nothing produced waits out maxWaitMs on the broker clock, then returns empty', async (t) => {
  const scheduler = new VirtualScheduler();
  const broker = await startVirtualTimeBroker(t, scheduler);
  const client = await connect(t, broker.port);
  const probe = await connect(t, broker.port);
  await createTopic(client, 'quiet');

  let answer: FetchPartition | undefined;
  const fetching = fetchOne(client, 'quiet', 0, 0n, { maxWaitMs: 500, minBytes: 1 }).then((fetched) => {
    answer = fetched;
    return fetched;
  });
  await waitFor(() => parkedFetches(broker) === 1, { describe: () => 'the fetch to be parked in the broker' });

  await scheduler.tick(499);
  t.is(parkedFetches(broker), 1, 'the broker still holds the fetch 1 ms before its max wait');
  // A round trip on another connection: an answer written before it would have arrived by now.
  await probe.request(ApiKey.METADATA, 8, { topics: [{ name: 'quiet' }], allowAutoTopicCreation: false });
  t.is(answer, undefined, 'no response before maxWaitMs has passed');

  await scheduler.tick(1);
  t.is(parkedFetches(broker), 0, 'the wait ended at maxWaitMs');
  const fetched = await fetching;
  t.is(fetched.errorCode, 0);
  t.is(fetched.highWatermark, 0n);
  t.is(fetched.records?.length ?? 0, 0);
});

test('a fetch that names no partition is answered at once, whatever its maxWaitMs, as Kafka does', async (t) => {
  const scheduler = new VirtualScheduler();
  const broker = await startVirtualTimeBroker(t, scheduler);
  const client = await connect(t, broker.port);
  // The virtual clock never moves here: a parked fetch would never be answered.
  const response = await client.request(ApiKey.FETCH, 5, { replicaId: -1, maxWaitMs: 60_000, minBytes: 1, maxBytes: 1_048_576, isolationLevel: 0, topics: [] });
  t.is(response.errorCode, 0);
  t.deepEqual(response.responses, []);
  t.is(parkedFetches(broker), 0);
});
