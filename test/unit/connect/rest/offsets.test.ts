import test from 'ava';
import type { ConnectorOffsets } from '../../../../connect/runtime/index.ts';
import { assertError, create, restApp } from './harness.ts';

const OFFSET = { partition: { filename: '/tmp/in.txt' }, offset: { position: 42 } };

test('GET /connectors/{name}/offsets answers the offsets; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  t.deepEqual((await rest.call('GET', '/connectors/a/offsets')).body, { offsets: [] });
  rest.herder.recordActivity('a', [OFFSET], []);
  const answer = await rest.call('GET', '/connectors/a/offsets');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { offsets: [OFFSET] });
  assertError(t, await rest.call('GET', '/connectors/nope/offsets'), 404, 'Connector nope not found');
});

test('PATCH /connectors/{name}/offsets needs a STOPPED connector, then alters; a null offset resets', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  rest.herder.recordActivity('a', [OFFSET, { partition: { filename: '/tmp/other' }, offset: { position: 1 } }], []);
  const change = { offsets: [{ partition: { filename: '/tmp/in.txt' }, offset: { position: 7 } }] };
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', change), 400, 'STOPPED');
  t.is((await rest.call('PUT', '/connectors/a/stop')).status, 204);
  const answer = await rest.call('PATCH', '/connectors/a/offsets', change);
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { message: 'The offsets for this connector have been altered successfully' });
  t.deepEqual(rest.herder.calls.at(-1)?.args, ['a', change]);
  const reset = await rest.call('PATCH', '/connectors/a/offsets', { offsets: [{ partition: { filename: '/tmp/other' }, offset: null }] });
  t.is(reset.status, 200);
  t.deepEqual(((await rest.call('GET', '/connectors/a/offsets')).body as ConnectorOffsets).offsets, change.offsets);
  assertError(t, await rest.call('PATCH', '/connectors/nope/offsets', change), 404, 'Connector nope not found');
});

test('PATCH /connectors/{name}/offsets checks the body before the herder sees it', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const calls = rest.herder.calls.length;
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', {}), 400, 'offsets: is required');
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', { offsets: [] }), 400, 'offsets: must not be empty');
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', { offsets: [{ partition: { f: 1 } }] }), 400, 'offsets[0].offset: is required');
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', { offsets: [{ offset: null }] }), 400, 'offsets[0].partition: is required');
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets', { offsets: [{ partition: 'p', offset: 5 }] }), 400, 'offsets[0].partition: must be object', 'offsets[0].offset: must be object or null');
  assertError(t, await rest.call('PATCH', '/connectors/a/offsets'), 400, 'needs a JSON body');
  t.is(rest.herder.calls.length, calls);
});

test('DELETE /connectors/{name}/offsets needs a STOPPED connector, then resets all; 404 unknown', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  rest.herder.recordActivity('a', [OFFSET], []);
  assertError(t, await rest.call('DELETE', '/connectors/a/offsets'), 400, 'STOPPED');
  await rest.call('PUT', '/connectors/a/stop');
  const answer = await rest.call('DELETE', '/connectors/a/offsets');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, { message: 'The offsets for this connector have been reset successfully' });
  t.deepEqual((await rest.call('GET', '/connectors/a/offsets')).body, { offsets: [] });
  assertError(t, await rest.call('DELETE', '/connectors/nope/offsets'), 404, 'Connector nope not found');
});
