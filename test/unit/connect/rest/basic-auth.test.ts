import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parseCredentials } from '../../../../connect/runtime/rest/basic-auth.ts';
import { buildRestApp, RestErrorCode } from '../../../../connect/runtime/rest/index.ts';
import { FakeHerder } from '../../../helpers/fake-herder.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';
import { assertError, restApp } from './harness.ts';

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` };
}

function credentialsFile(t: Parameters<typeof tempDir>[0], text: string): string {
  const file = path.join(tempDir(t), 'credentials.properties');
  fs.writeFileSync(file, text);
  return file;
}

test('the credentials file reads as Java properties, as Kafka\'s PropertyFileLoginModule reads it', (t) => {
  const credentials = parseCredentials(
    [
      '# Kafka Connect REST users',
      '! another comment',
      '',
      'admin: admin-secret',
      'ops=ops secret with spaces',
      '   reader   reader-pw',
      'colon\\:user: p:w=d',
      'long: part one \\',
      '      and two',
      'unicode: caf\\u00e9',
      'admin: replaced',
      'empty:',
      'windows: crlf\r',
    ].join('\n'),
  );
  t.deepEqual(
    [...credentials],
    [
      ['admin', 'replaced'],
      ['ops', 'ops secret with spaces'],
      ['reader', 'reader-pw'],
      ['colon:user', 'p:w=d'],
      ['long', 'part one and two'],
      ['unicode', 'café'],
      ['empty', ''],
      ['windows', 'crlf'],
    ],
  );
});

test('with basic auth on, a request without credentials answers 401 with a challenge', async (t) => {
  const rest = restApp(t, { app: { basicAuthFile: credentialsFile(t, 'admin: s3cret\n') } });
  const answer = await rest.call('GET', '/connectors');
  assertError(t, answer, 401, 'User cannot access the resource.');
  t.regex(String(answer.headers['www-authenticate']), /^Basic realm="[^"]+"/);
  t.deepEqual(rest.herder.calls, []);
});

test('with basic auth on, wrong passwords, unknown users and other schemes answer 401', async (t) => {
  const rest = restApp(t, { app: { basicAuthFile: credentialsFile(t, 'admin: s3cret\n') } });
  assertError(t, await rest.call('GET', '/connectors', undefined, basic('admin', 'wrong')), 401);
  assertError(t, await rest.call('GET', '/connectors', undefined, basic('nobody', 's3cret')), 401);
  assertError(t, await rest.call('GET', '/connectors', undefined, basic('admin', 's3cret ')), 401);
  assertError(t, await rest.call('GET', '/connectors', undefined, { authorization: 'Bearer s3cret' }), 401);
  assertError(t, await rest.call('GET', '/connectors', undefined, { authorization: `Basic ${Buffer.from('admins3cret').toString('base64')}` }), 401);
  assertError(t, await rest.call('GET', '/connectors', undefined, { authorization: 'Basic !!!' }), 401);
  t.deepEqual(rest.herder.calls, []);
});

test('with basic auth on, the right credentials pass; passwords may hold colons', async (t) => {
  const rest = restApp(t, { app: { basicAuthFile: credentialsFile(t, 'admin: s3cret\nops: a:b:c\n') } });
  const answer = await rest.call('GET', '/connectors', undefined, basic('admin', 's3cret'));
  t.is(answer.status, 200);
  t.deepEqual(answer.body, []);
  t.is((await rest.call('GET', '/connectors', undefined, { authorization: `basic ${Buffer.from('ops:a:b:c').toString('base64')}` })).status, 200);
});

test('with basic auth on, unknown paths and bodies are not looked at before authentication', async (t) => {
  const rest = restApp(t, { app: { basicAuthFile: credentialsFile(t, 'admin: s3cret\n') } });
  assertError(t, await rest.call('GET', '/secret-path'), 401);
  assertError(t, await rest.call('DELETE', '/connectors'), 401);
  assertError(t, await rest.call('POST', '/connectors', '{', { 'content-type': 'application/json' }), 401);
  assertError(t, await rest.call('GET', '/secret-path', undefined, basic('admin', 's3cret')), 404);
});

test('a credentials file that cannot be read, or names no user, fails the build', (t) => {
  const dir = tempDir(t);
  throwsCode(t, () => buildRestApp(new FakeHerder(), { basicAuthFile: path.join(dir, 'missing') }), RestErrorCode.BAD_CREDENTIALS_FILE);
  throwsCode(t, () => buildRestApp(new FakeHerder(), { basicAuthFile: credentialsFile(t, '# nobody\n') }), RestErrorCode.BAD_CREDENTIALS_FILE);
});
