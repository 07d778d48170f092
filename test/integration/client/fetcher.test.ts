/**
 * client/consumer's Fetcher against a real broker: which partitions it asks for. A partition
 * being revoked is not fetched (its data could not be delivered), paused ones neither.
 */
import test from 'ava';
import { Cluster } from '../../../client/cluster.ts';
import { Fetcher } from '../../../client/consumer/fetcher.ts';
import type { PartitionState } from '../../../client/consumer/fetcher.ts';
import { tpKey } from '../../../client/consumer/offsets.ts';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';

const state = (topic: string, partition: number, flags: Partial<PartitionState> = {}): PartitionState => ({
  topic,
  partition,
  key: tpKey(topic, partition),
  position: 0n,
  paused: false,
  revoking: false,
  epoch: 0,
  ...flags,
});

test('partitions being revoked or paused are left out of fetches', async (t) => {
  const { port, bootstrap } = await startTestBroker(t);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, 'fetched', 3);
  for (const partition of [0, 1, 2]) t.is((await produce(wire, 'fetched', partition, valuesBatch([`v${partition}`]))).errorCode, ErrorCode.NONE);
  const cluster = new Cluster({ bootstrapServers: bootstrap });
  t.teardown(() => cluster.close());
  await cluster.connect();
  const states = [state('fetched', 0, { revoking: true }), state('fetched', 1), state('fetched', 2, { paused: true })];
  const failures: unknown[] = [];
  let ready = 0;
  const fetcher = new Fetcher(
    cluster,
    { clientId: 'fetcher-test', requestTimeoutMs: 5000, isolationLevel: 'read_uncommitted', maxBytes: 1 << 20, maxPartitionBytes: 1 << 20, maxWaitMs: 100, minBytes: 1, maxPrefetchBytes: 1 << 20 },
    {
      partitions: () => states,
      outOfRange: () => undefined,
      ready: () => {
        ready++;
      },
      fail: (error) => {
        failures.push(error);
      },
    },
  );
  t.teardown(() => fetcher.close());
  fetcher.kick();
  // One Fetch goes to the only broker: had it asked for every partition, one response would hold them all.
  await waitFor(() => ready > 0 || failures.length > 0, { timeoutMs: 10_000 });
  t.deepEqual(failures, []);
  const taken: number[] = [];
  for (let batch = fetcher.take(() => true); batch !== undefined; batch = fetcher.take(() => true)) taken.push(batch.partition);
  t.deepEqual(taken, [1]);
});
