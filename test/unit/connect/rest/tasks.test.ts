import test from 'ava';
import type { TaskInfo } from '../../../../connect/runtime/index.ts';
import { assertError, create, restApp, SINK_CONFIG } from './harness.ts';

test('GET /connectors/{name}/tasks answers each task id and config; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  const answer = await rest.call('GET', '/connectors/a/tasks');
  t.is(answer.status, 200);
  const tasks = answer.body as TaskInfo[];
  t.deepEqual(
    tasks.map((task) => task.id),
    [
      { connector: 'a', task: 0 },
      { connector: 'a', task: 1 },
    ],
  );
  t.is(tasks[0]?.config['file'], SINK_CONFIG.file);
  assertError(t, await rest.call('GET', '/connectors/nope/tasks'), 404, 'Connector nope not found');
});

test('GET /connectors/{name}/tasks/{id}/status answers the task state; 404 for unknown tasks and ids that are no number', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  const answer = await rest.call('GET', '/connectors/a/tasks/1/status');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' });
  t.deepEqual(rest.herder.calls.at(-1)?.args, ['a', 1]);
  assertError(t, await rest.call('GET', '/connectors/a/tasks/2/status'), 404, 'Task a-2 not found');
  assertError(t, await rest.call('GET', '/connectors/nope/tasks/0/status'), 404, 'Connector nope not found');
  const calls = rest.herder.calls.length;
  assertError(t, await rest.call('GET', '/connectors/a/tasks/one/status'), 404, 'task');
  assertError(t, await rest.call('GET', '/connectors/a/tasks/-1/status'), 404, 'task');
  assertError(t, await rest.call('GET', '/connectors/a/tasks/12345678901/status'), 404, 'task');
  t.is(rest.herder.calls.length, calls, 'ids that are no task id never reach the herder');
});

test('POST /connectors/{name}/tasks/{id}/restart answers 204; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a', SINK_CONFIG);
  rest.herder.failTask('a', 0);
  const answer = await rest.call('POST', '/connectors/a/tasks/0/restart');
  t.is(answer.status, 204);
  t.is(answer.text, '');
  t.deepEqual(rest.herder.calls.at(-1), { method: 'restartTask', args: ['a', 0] });
  t.is(((await rest.call('GET', '/connectors/a/tasks/0/status')).body as { state: string }).state, 'RUNNING');
  assertError(t, await rest.call('POST', '/connectors/a/tasks/7/restart'), 404, 'Task a-7 not found');
  assertError(t, await rest.call('POST', '/connectors/nope/tasks/0/restart'), 404, 'Connector nope not found');
});
