import { createHook } from 'node:async_hooks';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ClientErrorCode } from '../../../client/index.ts';
import { Producer } from '../../../client/producer/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { rejectsCode } from '../../helpers/throws-code.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { wireClient } from '../../interop/kafkajs-helpers.ts';

// Own file, serial tests: every timer the client sets in this process is the producer's.

const CLIENT_DIR = path.resolve(import.meta.dirname, '../../../client') + path.sep;

interface TimerResource {
  /** Node sets it once a Timeout or Immediate has fired or been cleared. */
  readonly _destroyed?: boolean;
}

/**
 * Tracks every Timeout and Immediate that client code creates while the test runs, with the
 * stack that created it. `alive()` lists those neither fired nor cleared.
 */
function trackClientTimers(t: ExecutionContext): { alive(): string[] } {
  const created = new Map<TimerResource, string>();
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type !== 'Timeout' && type !== 'Immediate') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error('timer created').stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(CLIENT_DIR)) created.set(resource, stack);
    },
  });
  hook.enable();
  t.teardown(() => hook.disable());
  return {
    alive: () => [...created].filter(([resource]) => resource._destroyed !== true).map(([, stack]) => stack),
  };
}

async function createTopic(t: ExecutionContext, port: number, name: string): Promise<void> {
  const wire = await wireClient(t, port);
  const response = await wire.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  t.is(response.topics[0]?.errorCode, ErrorCode.NONE);
}

test.serial('close clears the linger timer and the periodic metadata refresh', async (t) => {
  const broker = await startTestBroker(t);
  await createTopic(t, broker.port, 'lingering');
  const timers = trackClientTimers(t);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 60_000, metadataMaxAgeMs: 60_000 });
  t.teardown(() => producer.close());
  await producer.connect();
  const sent = producer.send({ topic: 'lingering', value: 'x' });
  await waitFor(() => timers.alive().some((s) => s.includes('sender.ts')) && timers.alive().some((s) => s.includes('cluster.ts')), {
    describe: () => `a linger and a refresh timer armed; alive: ${timers.alive().length}`,
  });
  await producer.close();
  t.is((await sent).offset, 0n, 'close flushed the lingering record');
  t.deepEqual(timers.alive(), [], 'no client timer outlives close()');
});

test.serial('close clears retry, reconnect and metadata backoffs left by a broker that went away', async (t) => {
  const broker = await startTestBroker(t);
  await createTopic(t, broker.port, 'orphaned');
  const timers = trackClientTimers(t);
  // Backoffs far longer than the test: any left armed by close() would show up below.
  const producer = new Producer({
    bootstrapServers: broker.bootstrap,
    lingerMs: 0,
    retryBackoffMs: 30_000,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 1500,
  });
  t.teardown(() => producer.close());
  await producer.connect();
  await producer.send({ topic: 'orphaned', value: 'before' });
  await broker.broker.close();
  const lost = producer.send({ topic: 'orphaned', value: 'lost' });
  await waitFor(() => timers.alive().filter((s) => s.includes('sender.ts')).length >= 2, {
    timeoutMs: 10_000,
    describe: () => `backoff timers armed; alive: ${timers.alive().length}`,
  });
  // close() flushes: the record expires at deliveryTimeoutMs, then everything is released.
  await producer.close();
  await rejectsCode(t, lost, ClientErrorCode.TIMEOUT);
  t.deepEqual(timers.alive(), [], 'no client timer outlives close()');
});
