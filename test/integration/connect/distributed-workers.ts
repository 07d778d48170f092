import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import type { ConnectorPlugin } from '../../../connect/api/index.ts';
import { systemScheduler } from '../../../core/base/index.ts';
import { DistributedHerder, KafkaTopicLogFactory, resolveWorkerConfig, startRestServer } from '../../../connect/runtime/index.ts';
import type { RestServer, WorkerConfigInput } from '../../../connect/runtime/index.ts';
import { fileSinkPlugin } from '../../../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../../../connectors/file-source/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const logger = pino({ level: 'silent' });

export interface TestWorker {
  readonly herder: DistributedHerder;
  readonly rest: RestServer;
  readonly url: string;
  readonly workerId: string;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  /** Start the REST server but do not join the group. */
  readonly join?: boolean;
  readonly plugins?: readonly ConnectorPlugin[];
  readonly config?: Partial<WorkerConfigInput>;
}

/** A distributed worker of group `test-connect-cluster`, its REST server on a free port; stopped at teardown. */
export async function startTestWorker(t: ExecutionContext, bootstrap: string, n: number, options: TestWorkerOptions = {}): Promise<TestWorker> {
  const config = resolveWorkerConfig({
    bootstrapServers: bootstrap,
    groupId: 'test-connect-cluster',
    clientId: `worker-${n}`,
    offsetFlushIntervalMs: 100,
    heartbeatIntervalMs: 200,
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10_000,
    scheduledRebalanceMaxDelayMs: 1500,
    ...options.config,
  });
  const herder = await DistributedHerder.open({
    config,
    connectorPlugins: options.plugins ?? [fileSourcePlugin, fileSinkPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: `worker-${n}`, replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  const rest = await startRestServer(herder, { port: 0 });
  const workerId = `127.0.0.1:${rest.port}`;
  if (options.join !== false) await herder.joinGroup({ url: `http://${workerId}/`, workerId });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await rest.close();
      await herder.close();
    })();
    return stopped;
  };
  t.teardown(stop);
  return { herder, rest, url: `http://${workerId}`, workerId, stop };
}

/** Waits until every worker knows the same leader. */
export async function waitForOneLeader(workers: readonly TestWorker[]): Promise<void> {
  await waitFor(() => workers.every((w) => w.herder.groupState.leaderUrl !== undefined && w.herder.groupState.leaderUrl === workers[0]!.herder.groupState.leaderUrl), {
    timeoutMs: 30_000,
    describe: () => `leaders seen: ${workers.map((w) => String(w.herder.groupState.leaderUrl)).join(', ')}`,
  });
}

export async function http(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
