import test from 'ava';
import type { ConnectorInfo, ConnectorStateInfo } from '../../../../connect/runtime/index.ts';
import { assertError, create, restApp, SINK_CONFIG, SOURCE_CONFIG } from './harness.ts';

test('GET /connectors lists names, an empty list at first', async (t) => {
  const rest = restApp(t);
  t.deepEqual((await rest.call('GET', '/connectors')).body, []);
  await create(t, rest, 'b');
  await create(t, rest, 'a');
  const answer = await rest.call('GET', '/connectors');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, ['a', 'b']);
});

test('POST /connectors answers 201 with Location and the ConnectorInfo', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('POST', '/connectors', { name: 'lines', config: { ...SOURCE_CONFIG, 'tasks.max': 1 } });
  t.is(answer.status, 201);
  t.is(answer.headers['location'], '/connectors/lines');
  t.deepEqual(answer.body, {
    name: 'lines',
    config: { ...SOURCE_CONFIG, 'tasks.max': '1', name: 'lines' },
    tasks: [{ connector: 'lines', task: 0 }],
    type: 'source',
  });
  // A number in the config reaches the herder as sent; it parses values by the connector's schema.
  t.deepEqual(rest.herder.calls.at(-1), { method: 'createConnector', args: ['lines', { ...SOURCE_CONFIG, 'tasks.max': 1 }, undefined] });
});

test('POST /connectors takes initial_state, in either case', async (t) => {
  const rest = restApp(t);
  t.is((await rest.call('POST', '/connectors', { name: 'a', config: SOURCE_CONFIG, initial_state: 'stopped' })).status, 201);
  t.is(rest.herder.calls.at(-1)?.args[2], 'STOPPED');
  t.is(((await rest.call('GET', '/connectors/a/status')).body as ConnectorStateInfo).connector.state, 'STOPPED');
  t.is((await rest.call('POST', '/connectors', { name: 'b', config: SOURCE_CONFIG, initial_state: 'PAUSED' })).status, 201);
  t.is(rest.herder.calls.at(-1)?.args[2], 'PAUSED');
  assertError(t, await rest.call('POST', '/connectors', { name: 'c', config: SOURCE_CONFIG, initial_state: 'DELETED' }), 400, 'initial_state: must be one of');
});

test('POST /connectors with a taken name answers 409', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: SOURCE_CONFIG }), 409, 'Connector a already exists');
});

test('POST /connectors with an invalid config answers 400 naming the field', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: { 'connector.class': 'FileStreamSource', topic: 't' } }), 400, 'file');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: { 'connector.class': 'Nope' } }), 400, 'Nope');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a/b', config: SOURCE_CONFIG }), 400, "should not contain '/'");
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: { ...SOURCE_CONFIG, name: 'b' } }), 400, "doesn't match");
});

test('POST /connectors checks the body against its schema before the herder sees it', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('POST', '/connectors', { config: SOURCE_CONFIG }), 400, 'Invalid request body', 'name: is required');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a' }), 400, 'config: is required');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: 'file=x' }), 400, 'config: must be object');
  assertError(t, await rest.call('POST', '/connectors', { name: 7, config: SOURCE_CONFIG }), 400, 'name: must be string');
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: { ...SOURCE_CONFIG, file: { path: 'x' } } }), 400, 'config.file: must be string, number or boolean');
  assertError(t, await rest.call('POST', '/connectors', []), 400, 'must be object');
  assertError(t, await rest.call('POST', '/connectors'), 400, 'needs a JSON body');
  t.deepEqual(rest.herder.calls, []);
});

test('POST /connectors accepts a body made from a GET answer (tasks and type are ignored)', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('POST', '/connectors', { name: 'a', config: SOURCE_CONFIG, tasks: [], type: 'source' });
  t.is(answer.status, 201);
});

test('GET /connectors?expand= answers a map with what was asked, repeated or not', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const status = (await rest.call('GET', '/connectors?expand=status')).body as Record<string, { status?: ConnectorStateInfo; info?: ConnectorInfo }>;
  t.deepEqual(Object.keys(status), ['a']);
  t.is(status['a']?.status?.connector.state, 'RUNNING');
  t.is(status['a']?.info, undefined);
  const info = (await rest.call('GET', '/connectors?expand=info')).body as typeof status;
  t.is(info['a']?.info?.name, 'a');
  t.is(info['a']?.status, undefined);
  const both = (await rest.call('GET', '/connectors?expand=status&expand=info&expand=status')).body as typeof status;
  t.deepEqual(Object.keys(both['a']!).sort(), ['info', 'status']);
  t.deepEqual(rest.herder.calls.at(-1)?.args[0], ['status', 'info']);
  // Kafka ignores what it does not know, and still answers the map.
  t.deepEqual((await rest.call('GET', '/connectors?expand=everything')).body, { a: {} });
});

test('GET /connectors/{name} answers the ConnectorInfo, 404 for an unknown one', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  const answer = await rest.call('GET', '/connectors/a');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, {
    name: 'a',
    config: { ...SINK_CONFIG, name: 'a' },
    tasks: [
      { connector: 'a', task: 0 },
      { connector: 'a', task: 1 },
    ],
    type: 'sink',
  });
  assertError(t, await rest.call('GET', '/connectors/nope'), 404, 'Connector nope not found');
});

test('names are URL-decoded from the path and encoded in Location', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('POST', '/connectors', { name: 'my lines', config: SOURCE_CONFIG });
  t.is(answer.headers['location'], '/connectors/my%20lines');
  t.is((await rest.call('GET', '/connectors/my%20lines')).status, 200);
});

test('GET /connectors/{name}/config answers the flat map with secrets masked', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', { ...SINK_CONFIG, 'file.password': 's3cret' });
  const answer = await rest.call('GET', '/connectors/a/config');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { ...SINK_CONFIG, 'file.password': '[hidden]', name: 'a' });
  assertError(t, await rest.call('GET', '/connectors/nope/config'), 404, 'Connector nope not found');
});

test('PUT /connectors/{name}/config creates (201, Location) then updates (200)', async (t) => {
  const rest = restApp(t);
  const created = await rest.call('PUT', '/connectors/a/config', SOURCE_CONFIG);
  t.is(created.status, 201);
  t.is(created.headers['location'], '/connectors/a');
  t.is((created.body as ConnectorInfo).name, 'a');
  const updated = await rest.call('PUT', '/connectors/a/config', { ...SOURCE_CONFIG, topic: 'other' });
  t.is(updated.status, 200);
  t.is(updated.headers['location'], undefined);
  t.is((updated.body as ConnectorInfo).config['topic'], 'other');
});

test('PUT /connectors/{name}/config refuses a name that differs from the URL, and invalid configs', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('PUT', '/connectors/a/config', { ...SOURCE_CONFIG, name: 'b' }), 400, 'Connector name configuration (b) doesn\'t match connector name in the URL (a)');
  assertError(t, await rest.call('PUT', '/connectors/a/config', { 'connector.class': 'FileStreamSource' }), 400, 'file');
  assertError(t, await rest.call('PUT', '/connectors/a/config', { config: SOURCE_CONFIG }), 400, 'config: must be string, number or boolean');
  assertError(t, await rest.call('PUT', '/connectors/a/config', ['x']), 400, 'must be object');
  t.is((await rest.call('PUT', '/connectors/a/config', { ...SOURCE_CONFIG, name: 'a' })).status, 201);
});

test('PATCH /connectors/{name}/config merges, a null removes a key; 404 for an unknown connector', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', { ...SOURCE_CONFIG, 'batch.size': '10' });
  const answer = await rest.call('PATCH', '/connectors/a/config', { topic: 'other', 'batch.size': null });
  t.is(answer.status, 200);
  t.deepEqual((answer.body as ConnectorInfo).config, { ...SOURCE_CONFIG, topic: 'other', name: 'a' });
  assertError(t, await rest.call('PATCH', '/connectors/nope/config', { topic: 'x' }), 404, 'Connector nope not found');
  assertError(t, await rest.call('PATCH', '/connectors/a/config', { topic: ['x'] }), 400, 'topic: must be string, number, boolean or null');
});

test('GET /connectors/{name}/status answers states, traces of failures, 404', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  rest.herder.failTask('a', 1, 'trace here');
  const answer = await rest.call('GET', '/connectors/a/status');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, {
    name: 'a',
    connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' },
    tasks: [
      { id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083' },
      { id: 1, state: 'FAILED', worker_id: '127.0.0.1:8083', trace: 'trace here' },
    ],
    type: 'sink',
  });
  assertError(t, await rest.call('GET', '/connectors/nope/status'), 404, 'Connector nope not found');
});

test('POST /connectors/{name}/restart: 204 without options, 202 with the status when tasks are included', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  rest.herder.failTask('a', 1);

  const plain = await rest.call('POST', '/connectors/a/restart');
  t.is(plain.status, 204);
  t.is(plain.text, '');
  t.deepEqual(rest.herder.calls.at(-1)?.args, ['a', { includeTasks: false, onlyFailed: false }]);

  const failedOnly = await rest.call('POST', '/connectors/a/restart?includeTasks=true&onlyFailed=true');
  t.is(failedOnly.status, 202);
  const status = failedOnly.body as ConnectorStateInfo;
  t.is(status.connector.state, 'RUNNING');
  t.deepEqual(
    status.tasks.map((task) => task.state),
    ['RUNNING', 'RESTARTING'],
  );

  const all = await rest.call('POST', '/connectors/a/restart?includeTasks=true');
  t.is(all.status, 202);
  t.deepEqual(
    (all.body as ConnectorStateInfo).tasks.map((task) => task.state),
    ['RESTARTING', 'RESTARTING'],
  );
  t.deepEqual(rest.herder.calls.at(-1)?.args, ['a', { includeTasks: true, onlyFailed: false }]);

  const onlyFailed = await rest.call('POST', '/connectors/a/restart?onlyFailed=true');
  t.is(onlyFailed.status, 202);
  t.deepEqual(rest.herder.calls.at(-1)?.args, ['a', { includeTasks: false, onlyFailed: true }]);
});

test('POST /connectors/{name}/restart refuses option values other than true and false; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  assertError(t, await rest.call('POST', '/connectors/a/restart?includeTasks=yes'), 400, 'Invalid query parameter', 'includeTasks: must be one of true, false');
  assertError(t, await rest.call('POST', '/connectors/nope/restart'), 404, 'Connector nope not found');
  assertError(t, await rest.call('POST', '/connectors/nope/restart?includeTasks=true'), 404, 'Connector nope not found');
});

test('PUT pause and resume answer 202, idempotently; resume starts a stopped connector', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const state = async (): Promise<string> => ((await rest.call('GET', '/connectors/a/status')).body as ConnectorStateInfo).connector.state;
  for (let i = 0; i < 2; i++) {
    const paused = await rest.call('PUT', '/connectors/a/pause');
    t.is(paused.status, 202);
    t.is(paused.text, '');
  }
  t.is(await state(), 'PAUSED');
  for (let i = 0; i < 2; i++) t.is((await rest.call('PUT', '/connectors/a/resume')).status, 202);
  t.is(await state(), 'RUNNING');
  t.is((await rest.call('PUT', '/connectors/a/stop')).status, 204);
  t.is(await state(), 'STOPPED');
  t.is((await rest.call('PUT', '/connectors/a/resume')).status, 202);
  t.is(await state(), 'RUNNING');
  assertError(t, await rest.call('PUT', '/connectors/nope/pause'), 404, 'Connector nope not found');
  assertError(t, await rest.call('PUT', '/connectors/nope/resume'), 404, 'Connector nope not found');
});

test('PUT /connectors/{name}/stop answers 204; tasks are gone, config kept; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const stopped = await rest.call('PUT', '/connectors/a/stop');
  t.is(stopped.status, 204);
  t.is(stopped.text, '');
  const info = (await rest.call('GET', '/connectors/a')).body as ConnectorInfo;
  t.deepEqual(info.tasks, []);
  t.is(info.config['file'], SOURCE_CONFIG.file);
  assertError(t, await rest.call('PUT', '/connectors/nope/stop'), 404, 'Connector nope not found');
});

test('DELETE /connectors/{name} answers 204, then the connector is gone; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const deleted = await rest.call('DELETE', '/connectors/a');
  t.is(deleted.status, 204);
  t.is(deleted.text, '');
  assertError(t, await rest.call('GET', '/connectors/a'), 404, 'Connector a not found');
  assertError(t, await rest.call('DELETE', '/connectors/a'), 404, 'Connector a not found');
  t.deepEqual((await rest.call('GET', '/connectors')).body, []);
});
