import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { tempDir } from '../../helpers/temp-dir.ts';
import { standaloneRestApp } from './standalone-rest.ts';

function restApp(t: ExecutionContext, paths: { allowedPaths?: string[]; deniedPaths?: string[] }): ReturnType<typeof standaloneRestApp> {
  return standaloneRestApp(t, 'path-policy-test', paths);
}

test('file connectors may name only files under allowedPaths, never a denied path, links resolved', async (t) => {
  const root = tempDir(t);
  const allowed = path.join(root, 'data');
  const outside = path.join(root, 'elsewhere');
  fs.mkdirSync(allowed);
  fs.mkdirSync(outside);
  const credentials = path.join(allowed, 'rest-users.txt');
  fs.writeFileSync(credentials, 'admin:secret\n');
  fs.symlinkSync(outside, path.join(allowed, 'link-out'));
  const app = await restApp(t, { allowedPaths: [allowed], deniedPaths: [credentials] });
  const create = async (name: string, config: Record<string, string>): Promise<{ status: number; message: string }> => {
    const answer = await app.inject({ method: 'POST', url: '/connectors', payload: { name, config, initial_state: 'STOPPED' } });
    return { status: answer.statusCode, message: answer.statusCode === 201 ? '' : answer.json<{ message: string }>().message };
  };
  const sink = (file: string): Record<string, string> => ({ 'connector.class': 'FileStreamSink', topics: 't', file });

  t.is((await create('inside', sink(path.join(allowed, 'out', 'lines.txt')))).status, 201);
  const outsideAnswer = await create('outside', sink(path.join(outside, 'lines.txt')));
  t.is(outsideAnswer.status, 400);
  t.regex(outsideAnswer.message, /file: .* is outside the directories this worker lets connectors use/);
  t.is((await create('dots', sink(path.join(allowed, '..', 'elsewhere', 'lines.txt')))).status, 400);
  t.is((await create('through-a-link', sink(path.join(allowed, 'link-out', 'lines.txt')))).status, 400);
  const credentialsAnswer = await create('credentials', sink(credentials));
  t.is(credentialsAnswer.status, 400);
  t.regex(credentialsAnswer.message, /names a path this worker keeps from connectors/);
  // A glob over a directory that holds a denied file is refused; one beside it is fine.
  t.is((await create('glob-all', { 'connector.class': 'FileStreamSource', topic: 't', glob: path.join(allowed, '**') })).status, 400);
  t.is((await create('glob-root', { 'connector.class': 'FileStreamSource', topic: 't', glob: '/**' })).status, 400);
  fs.mkdirSync(path.join(allowed, 'logs'));
  t.is((await create('glob-logs', { 'connector.class': 'FileStreamSource', topic: 't', glob: path.join(allowed, 'logs', '*.log') })).status, 201);
  // Updating a config is checked the same way.
  const update = await app.inject({ method: 'PUT', url: '/connectors/inside/config', payload: sink(path.join(outside, 'x.txt')) });
  t.is(update.statusCode, 400);
});

test('without allowedPaths file connectors may name any file, as Kafka\'s, but never a denied one', async (t) => {
  const root = tempDir(t);
  const secret = path.join(root, 'secret.txt');
  const app = await restApp(t, { deniedPaths: [secret] });
  const created = await app.inject({ method: 'POST', url: '/connectors', payload: { name: 'any', config: { 'connector.class': 'FileStreamSink', topics: 't', file: path.join(root, 'out.txt') }, initial_state: 'STOPPED' } });
  t.is(created.statusCode, 201);
  const refused = await app.inject({ method: 'POST', url: '/connectors', payload: { name: 'secret', config: { 'connector.class': 'FileStreamSink', topics: 't', file: secret } } });
  t.is(refused.statusCode, 400);
});
