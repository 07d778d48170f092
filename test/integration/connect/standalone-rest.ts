import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { systemScheduler } from '../../../core/base/index.ts';
import { buildRestApp, KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../../../connect/runtime/index.ts';
import type { WorkerConfigInput } from '../../../connect/runtime/index.ts';
import { fileSinkPlugin } from '../../../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../../../connectors/file-source/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';

const logger = pino({ level: 'silent' });

/**
 * A standalone worker with the file connectors on a broker of its own, and its REST API to
 * inject requests into (no port is opened); both closed when the test ends.
 */
export async function standaloneRestApp(t: ExecutionContext, clientId: string, config: Partial<WorkerConfigInput> = {}): Promise<ReturnType<typeof buildRestApp>> {
  const broker = await startTestBroker(t);
  const herder = await StandaloneHerder.start({
    config: resolveWorkerConfig({ bootstrapServers: broker.bootstrap, ...config }),
    connectorPlugins: [fileSourcePlugin, fileSinkPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: broker.bootstrap, clientId, replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  const app = buildRestApp(herder);
  t.teardown(async () => {
    await app.close();
    await herder.close();
  });
  return app;
}
