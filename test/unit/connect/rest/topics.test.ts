import test from 'ava';
import { assertError, create, restApp } from './harness.ts';

test('GET /connectors/{name}/topics answers the active topics keyed by connector; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  t.deepEqual((await rest.call('GET', '/connectors/a/topics')).body, { a: { topics: [] } });
  rest.herder.recordActivity('a', [], ['lines', 'more']);
  const answer = await rest.call('GET', '/connectors/a/topics');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { a: { topics: ['lines', 'more'] } });
  assertError(t, await rest.call('GET', '/connectors/nope/topics'), 404, 'Connector nope not found');
});

test('PUT /connectors/{name}/topics/reset answers 202 and empties the set; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  rest.herder.recordActivity('a', [], ['lines']);
  const answer = await rest.call('PUT', '/connectors/a/topics/reset');
  t.is(answer.status, 202);
  t.is(answer.text, '');
  t.deepEqual((await rest.call('GET', '/connectors/a/topics')).body, { a: { topics: [] } });
  assertError(t, await rest.call('PUT', '/connectors/nope/topics/reset'), 404, 'Connector nope not found');
});

test('PUT /connectors/{name}/topics/reset answers 403 when the worker disallows resets', async (t) => {
  const rest = restApp(t, { herder: { topicTrackingAllowReset: false } });
  await create(t, rest, 'a');
  assertError(t, await rest.call('PUT', '/connectors/a/topics/reset'), 403, 'Topic tracking reset is disabled.');
});
