/**
 * The runnable examples under examples/, run as a user runs them: a child process against a real
 * broker, its printed lines and exit code checked.
 */
import { execFile } from 'node:child_process';
import test from 'ava';
import { Consumer } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 3 } };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function example(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=tsx', `examples/${file}`, ...args], { cwd: PROJECT_ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

test('clickstream-routing: drops bot clicks and routes the rest to a topic per section, keyed by user', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const run = await example('clickstream-routing.ts', [bootstrap]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  const routes = lines.filter((l) => l.includes(' -> clicks-')).sort();
  t.deepEqual(routes, [
    'ana /checkout/cart -> clicks-checkout',
    'ana /checkout/pay -> clicks-checkout',
    'ana /product/42 -> clicks-product',
    'cy /about -> clicks-other',
    'cy /product/7 -> clicks-product',
  ]);
  t.is(lines.at(-1), 'routed 5 clicks, dropped 1 from bots');
  t.true(lines.includes('app: REBALANCING -> RUNNING'));
  t.true(lines.includes('app: PENDING_SHUTDOWN -> NOT_RUNNING'));

  // The records are really in those topics, with slim values.
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  t.teardown(() => consumer.close());
  await consumer.connect();
  const partitions = await consumer.partitionsFor('clicks-checkout');
  await consumer.assign(partitions.map((partition) => ({ topic: 'clicks-checkout', partition, offset: 0n })));
  const values: string[] = [];
  for await (const batch of consumer) {
    for (const r of batch.records) values.push(r.value!.toString('utf8'));
    if (values.length >= 2) break;
  }
  t.deepEqual(values.sort(), ['{"page":"/checkout/cart","at":3}', '{"page":"/checkout/pay","at":6}']);
});
