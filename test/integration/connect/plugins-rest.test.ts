import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { ConfigInfos, PluginInfo } from '../../../connect/runtime/index.ts';
import { standaloneRestApp } from './standalone-rest.ts';

function restApp(t: ExecutionContext): ReturnType<typeof standaloneRestApp> {
  return standaloneRestApp(t, 'plugins-test');
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
