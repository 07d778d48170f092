import test from 'ava';
import { FAKE_SERVER_INFO } from '../../../helpers/fake-herder.ts';
import { restApp } from './harness.ts';

test('GET / answers the version, commit and Kafka cluster id', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('GET', '/');
  t.is(answer.status, 200);
  t.deepEqual(answer.body, FAKE_SERVER_INFO);
  t.deepEqual(Object.keys(answer.body as object), ['version', 'commit', 'kafka_cluster_id']);
});

test('HEAD / answers 200 without a body', async (t) => {
  const rest = restApp(t);
  const answer = await rest.call('HEAD', '/');
  t.is(answer.status, 200);
  t.is(answer.text, '');
});
