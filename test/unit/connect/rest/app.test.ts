// What every route shares: Kafka's error body for every failure (fastify's own included), body
// parsing and limits, 404 and 405, and the log.
import test from 'ava';
import { HerderError, HerderErrorCode } from '../../../../connect/runtime/index.ts';
import { assertError, create, restApp, SOURCE_CONFIG } from './harness.ts';

test('an unknown path answers 404 in Kafka\'s error shape', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('GET', '/connectorz'), 404, 'HTTP 404 Not Found', '/connectorz');
  assertError(t, await rest.call('GET', '/connectors/a/b/c?x=1'), 404, '/connectors/a/b/c');
  assertError(t, await rest.call('POST', '/admin/nothing', { a: 1 }), 404);
});

test('a known path with another method answers 405 with Allow, before looking at the body', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('DELETE', '/connectors');
  assertError(t, answer, 405, 'HTTP 405 Method Not Allowed', 'GET, HEAD, POST');
  t.is(answer.headers['allow'], 'GET, HEAD, POST');
  t.is((await rest.call('POST', '/connectors/a/status')).headers['allow'], 'GET, HEAD');
  t.is((await rest.call('GET', '/connectors/a/pause')).headers['allow'], 'PUT');
  t.is((await rest.call('PATCH', '/connectors/a')).headers['allow'], 'DELETE, GET, HEAD');
  t.is((await rest.call('OPTIONS', '/connectors/a/offsets')).headers['allow'], 'DELETE, GET, HEAD, PATCH');
  // Neither the wrong content type (415) nor the malformed JSON (400) comes first.
  assertError(t, await rest.call('PUT', '/connectors/a/status', 'x', { 'content-type': 'text/plain' }), 405);
  assertError(t, await rest.call('POST', '/connectors/a/config', '{', { 'content-type': 'application/json' }), 405);
  t.deepEqual(rest.herder.calls, []);
});

test('a malformed JSON body answers 400 saying so', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('POST', '/connectors', '{"name": "a", "config": {', { 'content-type': 'application/json' });
  assertError(t, answer, 400, 'Malformed JSON in the request body');
  assertError(t, await rest.call('PUT', '/connectors/a/config', "{'file': 'x'}", { 'content-type': 'application/json; charset=utf-8' }), 400, 'Malformed JSON');
  t.deepEqual(rest.herder.calls, []);
});

test('a body over the limit answers 413', async (t) => {
  const rest = restApp(t, { app: { bodyLimit: 200 } });
  const big = { name: 'a', config: { ...SOURCE_CONFIG, padding: 'x'.repeat(200) } };
  assertError(t, await rest.call('POST', '/connectors', big), 413, 'larger than the limit of 200 bytes');
  t.deepEqual(rest.herder.calls, []);
  t.is((await rest.call('POST', '/connectors', { name: 'a', config: SOURCE_CONFIG })).status, 201);
});

test('the default body limit is 1 MiB', async (t) => {
  const rest = restApp(t);
  const config = { ...SOURCE_CONFIG, padding: 'x'.repeat(1024 * 1024) };
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config }), 413, '1048576');
});

test('a body that is not JSON answers 415', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('POST', '/connectors', 'name=a', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'Content-Type: application/json');
  assertError(t, await rest.call('POST', '/connectors', '{"name":"a","config":{}}', { 'content-type': 'text/plain' }), 415);
  assertError(t, await rest.call('PUT', '/connectors/a/config', '{}', { 'content-type': 'application/xml' }), 415);
  t.deepEqual(rest.herder.calls, []);
});

test('a JSON content type with no body is no body: scripts send the header on every call', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  const json = { 'content-type': 'application/json' };
  t.is((await rest.call('PUT', '/connectors/a/pause', '', json)).status, 202);
  t.is((await rest.call('POST', '/connectors/a/restart', '', json)).status, 204);
  t.is((await rest.call('PUT', '/connectors/a/stop', '  \n', json)).status, 204);
  t.is((await rest.call('DELETE', '/connectors/a', '', json)).status, 204);
});

test('a "__proto__" key is refused before the herder sees it', async (t) => {
  const rest = restApp(t);
  const body = `{"name": "a", "config": {"connector.class": "FileStreamSource", "__proto__": {"polluted": "yes"}}}`;
  assertError(t, await rest.call('POST', '/connectors', body, { 'content-type': 'application/json' }), 400, '__proto__');
  const escaped = `{"name": "a", "config": {"\\u005f_proto__": {"polluted": "yes"}}}`;
  assertError(t, await rest.call('POST', '/connectors', escaped, { 'content-type': 'application/json' }), 400, '__proto__');
  t.deepEqual(rest.herder.calls, []);
  // The text alone does not trip it: a value may say "__proto__".
  t.is((await rest.call('POST', '/connectors', { name: 'a', config: { ...SOURCE_CONFIG, topic: '"__proto__": x' } })).status, 201);
});

test('herder errors answer their status and message', async (t) => {
  const rest = restApp(t);
  rest.herder.failNextCall(new HerderError(HerderErrorCode.CONFLICT, 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)'));
  assertError(t, await rest.call('GET', '/connectors'), 409, 'stale configuration');
  rest.herder.failNextCall(new HerderError(HerderErrorCode.TIMEOUT, 'Request timed out'));
  assertError(t, await rest.call('POST', '/connectors', { name: 'a', config: SOURCE_CONFIG }), 500, 'Request timed out');
  rest.herder.failNextCall(new HerderError(HerderErrorCode.FORBIDDEN, 'Forbidden'));
  assertError(t, await rest.call('GET', '/'), 403, 'Forbidden');
});

test('a fault answers 500 with its message and is logged as an error', async (t) => {
  const rest = restApp(t);
  rest.herder.failNextCall(new TypeError('herder broke'));
  assertError(t, await rest.call('GET', '/connectors/a/status'), 500, 'herder broke');
  const line = rest.logs.find((l) => l['msg'] === 'request failed');
  t.is(line?.['level'], 50);
  t.is((line?.['err'] as { message?: string } | undefined)?.message, 'herder broke');
  t.is(line?.['component'], 'connect-rest');
});

test('a URL that does not decode answers 400 in Kafka\'s error shape', async (t) => {
  const rest = restApp(t);
  assertError(t, await rest.call('GET', '/connectors/%E0%A4%A'), 400, 'not a valid url component');
});

test('a trailing slash reaches the same resource, as in Jersey', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  t.deepEqual((await rest.call('GET', '/connectors/')).body, ['a']);
  t.is((await rest.call('GET', '/connectors/a/status/')).status, 200);
});

test('unknown query parameters are ignored, as Kafka does (its internal `forward` among them)', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  t.is((await rest.call('GET', '/connectors/a?forward=true')).status, 200);
  t.is((await rest.call('PUT', '/connectors/a/pause?forward=false')).status, 202);
});

test('each request is logged once when answered: changes at info, reads at debug', async (t) => {
  const rest = restApp(t);
  await create(t, rest, 'a');
  await rest.call('GET', '/connectors/a/status');
  const completed = rest.logs.filter((l) => l['msg'] === 'request completed');
  t.deepEqual(
    completed.map((l) => [l['method'], l['url'], l['statusCode'], l['level']]),
    [
      ['POST', '/connectors', 201, 30],
      ['GET', '/connectors/a/status', 200, 20],
    ],
  );
  t.false(rest.logs.some((l) => l['msg'] === 'incoming request'));
});

test('a deeply nested body is refused by its schema, not by a stack overflow', async (t) => {
  const rest = restApp(t);
  const depth = 200_000;
  const body = `{"name": "a", "config": {"x": ${'['.repeat(depth)}${']'.repeat(depth)}}}`;
  assertError(t, await rest.call('POST', '/connectors', body, { 'content-type': 'application/json' }), 400, 'config.x: must be string, number or boolean');
});
