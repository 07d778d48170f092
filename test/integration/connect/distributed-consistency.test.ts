import path from 'node:path';
import test from 'ava';
import type { SourceConnector, SourceConnectorPlugin, SourceTask, SourceTaskContext, TaskConfig } from '../../../connect/api/index.ts';
import type { ConnectorStateInfo } from '../../../connect/runtime/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { pollUntil } from '../../helpers/wait-for.ts';
import { http, startTestWorker, waitForOneLeader } from './distributed-workers.ts';

test.serial('a worker that knows no leader yet answers config writes 409, so two workers can not both create one connector', async (t) => {
  const broker = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const file = path.join(tempDir(t), 'out.txt');
  const [first, second] = [await startTestWorker(t, broker.bootstrap, 1, { join: false }), await startTestWorker(t, broker.bootstrap, 2, { join: false })];
  const answers = await Promise.all([
    http(`${first.url}/connectors`, 'POST', { name: 'dup', config: { 'connector.class': 'FileStreamSink', topics: 't1', file } }),
    http(`${second.url}/connectors`, 'POST', { name: 'dup', config: { 'connector.class': 'FileStreamSink', topics: 't2', file } }),
  ]);
  const message = 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.';
  t.deepEqual(answers, [
    { status: 409, body: { error_code: 409, message } },
    { status: 409, body: { error_code: 409, message } },
  ]);

  // Once the group has a leader, the write goes through it, and the second is refused.
  await first.herder.joinGroup({ url: `${first.url}/`, workerId: first.workerId });
  await second.herder.joinGroup({ url: `${second.url}/`, workerId: second.workerId });
  await waitForOneLeader([first, second]);
  const created = await http(`${first.url}/connectors`, 'POST', { name: 'dup', config: { 'connector.class': 'FileStreamSink', topics: 't1', file } });
  t.is(created.status, 201);
  const again = await http(`${second.url}/connectors`, 'POST', { name: 'dup', config: { 'connector.class': 'FileStreamSink', topics: 't2', file } });
  t.is(again.status, 409);
  t.deepEqual((await http(`${second.url}/connectors/dup/config`, 'GET')).body, { 'connector.class': 'FileStreamSink', topics: 't1', file, name: 'dup' });
});

/** Task starts fail while `failing.now` is set: a connector whose tasks all fail until told otherwise. */
const failing = { now: true };

class GatedTask implements SourceTask {
  private context!: SourceTaskContext;

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  start(): void {
    if (failing.now) throw new Error('the task can not start yet');
  }

  async poll(): Promise<null> {
    await this.context.scheduler.sleep(20);
    return null;
  }

  stop(): void {
    // Nothing held.
  }
}

class GatedConnector implements SourceConnector {
  initialize(): void {
    // Nothing kept.
  }

  start(): void {
    // Nothing to check.
  }

  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, (_, i) => ({ i: String(i) }));
  }

  taskClass(): new () => SourceTask {
    return GatedTask;
  }

  stop(): void {
    // Nothing to release.
  }
}

const gatedSource: SourceConnectorPlugin = {
  className: 'test-gated-source',
  aliases: [],
  type: 'source',
  version: '1.0.0',
  configSchema: { type: 'object', properties: {} },
  create: () => new GatedConnector(),
};

async function status(url: string, name: string): Promise<ConnectorStateInfo | undefined> {
  const answer = await http(`${url}/connectors/${name}/status`, 'GET');
  return answer.status === 200 ? (answer.body as ConnectorStateInfo) : undefined;
}

test.serial('a restart with includeTasks restarts the failed tasks on every worker, not only the one that answers', async (t) => {
  const broker = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const options = { plugins: [gatedSource], config: { taskRestartEnabled: false } };
  const workers = [await startTestWorker(t, broker.bootstrap, 1, options), await startTestWorker(t, broker.bootstrap, 2, options)];
  await waitForOneLeader(workers);
  failing.now = true;
  t.is((await http(`${workers[0]!.url}/connectors`, 'POST', { name: 'gated', config: { 'connector.class': 'test-gated-source', 'tasks.max': '4' } })).status, 201);
  await pollUntil(
    () => status(workers[0]!.url, 'gated'),
    (s) => s !== undefined && s.tasks.length === 4 && s.tasks.every((x) => x.state === 'FAILED') && new Set(s.tasks.map((x) => x.worker_id)).size === 2,
    'four FAILED tasks on two workers',
    30_000,
  );

  failing.now = false;
  const restart = await http(`${workers[0]!.url}/connectors/gated/restart?includeTasks=true&onlyFailed=true`, 'POST');
  t.is(restart.status, 202);
  t.deepEqual((restart.body as ConnectorStateInfo).tasks.map((x) => x.state), ['RESTARTING', 'RESTARTING', 'RESTARTING', 'RESTARTING']);
  const after = await pollUntil(
    () => status(workers[1]!.url, 'gated'),
    (s) => s !== undefined && s.tasks.length === 4 && s.tasks.every((x) => x.state === 'RUNNING'),
    'every task RUNNING again',
    30_000,
  );
  t.is(new Set(after?.tasks.map((x) => x.worker_id)).size, 2);
});
