import test from 'ava';
import type { ConfigInfos, ConfigKeyInfo, PluginInfo } from '../../../../connect/runtime/index.ts';
import { assertError, restApp } from './harness.ts';

test('GET /connector-plugins lists connector classes; connectorsOnly=false adds the other kinds', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('GET', '/connector-plugins');
  t.is(answer.status, 200);
  const plugins = answer.body as PluginInfo[];
  t.deepEqual(
    plugins.map((p) => p.type),
    ['source', 'sink'],
  );
  t.deepEqual(Object.keys(plugins[0]!), ['class', 'type', 'version']);
  t.deepEqual(rest.herder.calls.at(-1)?.args, [true]);
  t.is(((await rest.call('GET', '/connector-plugins?connectorsOnly=true')).body as PluginInfo[]).length, 2);
  const all = (await rest.call('GET', '/connector-plugins?connectorsOnly=false')).body as PluginInfo[];
  t.true(all.some((p) => p.type === 'transformation'));
  t.deepEqual(rest.herder.calls.at(-1)?.args, [false]);
  assertError(t, await rest.call('GET', '/connector-plugins?connectorsOnly=no'), 400, 'connectorsOnly: must be one of true, false');
});

test('GET /connector-plugins/{plugin}/config answers the setting definitions, by class or alias; 404 unknown', async (t) => {
  const rest = restApp(t);
  for (const plugin of ['FileStreamSource', 'org.apache.kafka.connect.file.FileStreamSourceConnector']) {
    const answer = await rest.call('GET', `/connector-plugins/${plugin}/config`);
    t.is(answer.status, 200);
    const names = (answer.body as ConfigKeyInfo[]).map((d) => d.name);
    t.deepEqual(names, ['file', 'topic']);
  }
  assertError(t, await rest.call('GET', '/connector-plugins/Nope/config'), 404, 'Unknown plugin Nope.');
});

test('PUT /connector-plugins/{plugin}/config/validate answers 200 with per-field errors in Kafka\'s ConfigInfos shape', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate', { 'connector.class': 'FileStreamSource', name: 'a', topic: 't', 'tasks.max': 2 });
  t.is(answer.status, 200);
  const infos = answer.body as ConfigInfos;
  t.deepEqual(Object.keys(infos), ['name', 'error_count', 'groups', 'configs']);
  t.is(infos.name, 'org.apache.kafka.connect.file.FileStreamSourceConnector');
  t.is(infos.error_count, 1);
  const file = infos.configs.find((c) => c.definition.name === 'file');
  t.deepEqual(Object.keys(file!), ['definition', 'value']);
  t.deepEqual(Object.keys(file!.value), ['name', 'value', 'recommended_values', 'errors', 'visible']);
  t.deepEqual(file!.value, { name: 'file', value: null, recommended_values: [], errors: ['Missing required configuration "file" which has no default value.'], visible: true });
  t.deepEqual(Object.keys(file!.definition), ['name', 'type', 'required', 'default_value', 'importance', 'documentation', 'group', 'order_in_group', 'width', 'display_name', 'dependents']);
  t.deepEqual(rest.herder.calls.at(-1)?.args[1], { 'connector.class': 'FileStreamSource', name: 'a', topic: 't', 'tasks.max': 2 });

  const valid = (await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate', { name: 'a', topic: 't', file: '/tmp/x' })).body as ConfigInfos;
  t.is(valid.error_count, 0);
});

test('PUT /connector-plugins/{plugin}/config/validate: 400 for another class in the body or a bad body, 404 unknown plugin', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate', { 'connector.class': 'FileStreamSink' }), 400, 'does not match request type FileStreamSource');
  assertError(t, await rest.call('PUT', '/connector-plugins/Nope/config/validate', { name: 'a' }), 404, 'Unknown plugin Nope.');
  assertError(t, await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate', { file: ['a'] }), 400, 'file: must be string, number or boolean');
  assertError(t, await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate'), 400, 'needs a JSON body');
  assertError(t, await rest.call('PUT', '/connector-plugins/FileStreamSource/config/validate', 'file=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
});
