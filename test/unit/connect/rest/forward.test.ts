import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ForwardRequestError, startRestServer } from '../../../../connect/runtime/index.ts';
import { FakeHerder } from '../../../helpers/fake-herder.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const AUTH = `Basic ${Buffer.from('admin:s3cret').toString('base64')}`;

/** A follower whose every call says "the leader handles this", as a distributed worker's herder does. */
class FollowerHerder extends FakeHerder {
  readonly leaderUrl: string;

  constructor(leaderUrl: string) {
    super();
    this.leaderUrl = leaderUrl;
  }

  override pauseConnector(): Promise<void> {
    return Promise.reject(new ForwardRequestError(this.leaderUrl, 'not the leader'));
  }

  override createConnector(): Promise<never> {
    return Promise.reject(new ForwardRequestError(this.leaderUrl, 'not the leader'));
  }
}

async function cluster(t: ExecutionContext): Promise<{ leader: FakeHerder; follower: string }> {
  const file = path.join(tempDir(t), 'users.properties');
  fs.writeFileSync(file, 'admin: s3cret\n');
  const leader = new FakeHerder();
  const leaderServer = await startRestServer(leader, { port: 0, basicAuthFile: file });
  t.teardown(() => leaderServer.close());
  const followerServer = await startRestServer(new FollowerHerder(`http://127.0.0.1:${leaderServer.port}/`), { port: 0, basicAuthFile: file });
  t.teardown(() => followerServer.close());
  return { leader, follower: `http://127.0.0.1:${followerServer.port}` };
}

test('a request the herder hands on is sent to the other worker with its body and credentials, and answered with its answer', async (t) => {
  const { leader, follower } = await cluster(t);
  const created = await fetch(`${follower}/connectors`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'lines', config: { 'connector.class': 'FileStreamSource', file: '/tmp/x', topic: 't' } }),
  });
  t.is(created.status, 201);
  t.is(created.headers.get('location'), '/connectors/lines');
  t.is(((await created.json()) as { name: string }).name, 'lines');
  const paused = await fetch(`${follower}/connectors/lines/pause`, { method: 'PUT', headers: { authorization: AUTH } });
  t.is(paused.status, 202);
  t.deepEqual(
    leader.calls.map((c) => c.method),
    ['createConnector', 'pauseConnector'],
  );
});

test('a request that was forwarded already is answered 409, not sent on again', async (t) => {
  const { leader, follower } = await cluster(t);
  const answer = await fetch(`${follower}/connectors/lines/pause?forward=false`, { method: 'PUT', headers: { authorization: AUTH } });
  t.is(answer.status, 409);
  t.deepEqual(await answer.json(), { error_code: 409, message: 'not the leader' });
  t.deepEqual(leader.calls, []);
});

test('a worker that does not answer gives 409, so the client tries again', async (t) => {
  const herder = new FollowerHerder('http://127.0.0.1:1/');
  const server = await startRestServer(herder, { port: 0 });
  t.teardown(() => server.close());
  const answer = await fetch(`http://127.0.0.1:${server.port}/connectors/lines/pause`, { method: 'PUT' });
  t.is(answer.status, 409);
  t.regex(((await answer.json()) as { message: string }).message, /did not answer/);
});
