import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { systemScheduler } from '../../../core/base/index.ts';
import { buildRestApp, KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../../../connect/runtime/index.ts';
import type { ConfigInfos, PluginInfo } from '../../../connect/runtime/index.ts';
import { fileSinkPlugin } from '../../../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../../../connectors/file-source/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';

const logger = pino({ level: 'silent' });

async function restApp(t: ExecutionContext): Promise<ReturnType<typeof buildRestApp>> {
  const broker = await startTestBroker(t);
  const herder = await StandaloneHerder.start({
    config: resolveWorkerConfig({ bootstrapServers: broker.bootstrap }),
    connectorPlugins: [fileSourcePlugin, fileSinkPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: broker.bootstrap, clientId: 'plugins-test', replicationFactor: -1, scheduler: systemScheduler, logger }),
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

test('plugins are listed by their Java class names, and validate names the class as the request does, as Kafka', async (t) => {
  const app = await restApp(t);
  const listed = (await app.inject({ method: 'GET', url: '/connector-plugins' })).json<PluginInfo[]>();
  t.deepEqual(
    listed.map((p) => p.class),
    ['org.apache.kafka.connect.file.FileStreamSinkConnector', 'org.apache.kafka.connect.file.FileStreamSourceConnector'],
  );
  for (const [plugin, connectorClass] of [
    ['FileStreamSink', 'FileStreamSink'],
    ['FileStreamSink', 'org.apache.kafka.connect.file.FileStreamSinkConnector'],
    ['file-sink', undefined],
  ] as const) {
    const payload = { topics: 't', file: '/tmp/out.txt', ...(connectorClass === undefined ? {} : { 'connector.class': connectorClass }) };
    const answer = await app.inject({ method: 'PUT', url: `/connector-plugins/${plugin}/config/validate`, payload });
    t.is(answer.statusCode, 200);
    t.is(answer.json<ConfigInfos>().name, connectorClass ?? plugin);
  }
});
