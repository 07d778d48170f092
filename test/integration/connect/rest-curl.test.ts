// The REST API over a real socket, called as the curl scripts of Kafka Connect's docs and
// tutorials call it. Mostly against the fake herder (test/helpers/fake-herder.ts), as the HTTP
// surface is what is tested here; the quickstart also runs against the real StandaloneHerder on
// a real broker, so the two cannot disagree on what curl sees.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { systemScheduler } from '../../../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig, startRestServer } from '../../../connect/runtime/index.ts';
import { fileSourcePlugin } from '../../../connectors/file-source/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { pollUntil } from '../../helpers/wait-for.ts';
import type { RestServer, RestServerOptions } from '../../../connect/runtime/index.ts';
import { FakeHerder } from '../../helpers/fake-herder.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

// .ci/run installs curl: these tests call the API exactly as a curl script does.
const curlTest = test;

interface CurlAnswer {
  /** curl's exit code: 0, or 7 when it could not connect. */
  readonly exitCode: number;
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: unknown;
}

/** Runs curl with `args` (`-s -i` added), feeding `stdin` to `--data @-`. */
async function curl(args: readonly string[], stdin?: string): Promise<CurlAnswer> {
  const child = spawn('curl', ['-s', '-i', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin.end(stdin ?? '');
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code ?? -1);
    });
  });
  const text = Buffer.concat(chunks).toString('utf8');
  // A 100 Continue comes before the answer when curl sent `Expect: 100-continue`.
  const answer = text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
  const split = answer.indexOf('\r\n\r\n');
  const head = split < 0 ? answer : answer.slice(0, split);
  const bodyText = split < 0 ? '' : answer.slice(split + 4);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return {
    exitCode,
    status: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body: bodyText === '' ? undefined : (JSON.parse(bodyText) as unknown),
  };
}

async function start(t: ExecutionContext, options: RestServerOptions = {}): Promise<{ server: RestServer; base: string; herder: FakeHerder }> {
  const herder = new FakeHerder();
  const server = await startRestServer(herder, { port: 0, ...options });
  t.teardown(() => server.close());
  return { server, base: `http://127.0.0.1:${server.port}`, herder };
}

function quickstartConfig(file: string): { name: string; config: Record<string, string> } {
  return { name: 'local-file-source', config: { 'connector.class': 'FileStreamSource', 'tasks.max': '1', file, topic: 'connect-test' } };
}
const CONFIG = quickstartConfig('/tmp/test.txt');

/** A connector's state as GET /status shows it, once it is `state` (the real herder gets there asynchronously). */
async function connectorStateBecomes(base: string, state: string): Promise<string> {
  const answer = await pollUntil(
    () => curl([`${base}/connectors/local-file-source/status`]),
    (a) => (a.body as { connector?: { state: string } }).connector?.state === state,
    `connector state ${state}`,
  );
  return (answer.body as { connector: { state: string } }).connector.state;
}

curlTest('the server binds 127.0.0.1 unless told otherwise', async (t) => {
  const { server } = await start(t);
  t.is(server.host, '127.0.0.1');
  t.true(server.port > 0);
});

curlTest('a connector\'s life through curl, as Kafka Connect\'s quickstart drives it', async (t) => {
  const { base } = await start(t);
  await quickstart(t, base, CONFIG);
});

curlTest('the quickstart through curl against the real herder and a real broker', async (t) => {
  const broker = await startTestBroker(t);
  const logger = pino({ level: 'silent' });
  const config = resolveWorkerConfig({ bootstrapServers: broker.bootstrap, offsetFlushIntervalMs: 100, offsetStoragePartitions: 3, statusStoragePartitions: 2 });
  const herder = await StandaloneHerder.start({
    config,
    connectorPlugins: [fileSourcePlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: broker.bootstrap, clientId: 'test-connect', replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  t.teardown(() => herder.close());
  const server = await startRestServer(herder, { port: 0 });
  t.teardown(() => server.close());
  // An empty file: nothing to read, so the stopped connector has no offsets, as with the fake.
  const file = path.join(tempDir(t), 'test.txt');
  fs.writeFileSync(file, '');
  await quickstart(t, `http://127.0.0.1:${server.port}`, quickstartConfig(file));
});

async function quickstart(t: ExecutionContext, base: string, CONFIG: { name: string; config: Record<string, string> }): Promise<void> {
  const json = ['-H', 'Content-Type: application/json'];

  const root = await curl([`${base}/`]);
  t.is(root.status, 200);
  t.deepEqual(Object.keys(root.body as object), ['version', 'commit', 'kafka_cluster_id']);

  const created = await curl(['-X', 'POST', ...json, '--data', '@-', `${base}/connectors`], JSON.stringify(CONFIG));
  t.is(created.exitCode, 0);
  t.is(created.status, 201);
  t.is(created.headers.get('location'), '/connectors/local-file-source');
  t.is((created.body as { name: string }).name, 'local-file-source');

  t.is((await curl(['-X', 'POST', ...json, '--data', '@-', `${base}/connectors`], JSON.stringify(CONFIG))).status, 409);
  t.deepEqual((await curl([`${base}/connectors`])).body, ['local-file-source']);
  t.is(await connectorStateBecomes(base, 'RUNNING'), 'RUNNING');

  // Some scripts send no body and no header, some the JSON header and no body: both work.
  t.is((await curl(['-X', 'PUT', `${base}/connectors/local-file-source/pause`])).status, 202);
  t.is(await connectorStateBecomes(base, 'PAUSED'), 'PAUSED');
  t.is((await curl(['-X', 'PUT', ...json, `${base}/connectors/local-file-source/resume`])).status, 202);

  const updated = await curl(['-X', 'PUT', ...json, '--data', '@-', `${base}/connectors/local-file-source/config`], JSON.stringify({ ...CONFIG.config, topic: 'other' }));
  t.is(updated.status, 200);
  const restarted = await curl(['-X', 'POST', `${base}/connectors/local-file-source/restart?includeTasks=true&onlyFailed=false`]);
  t.is(restarted.status, 202);
  t.is((await curl(['-X', 'POST', `${base}/connectors/local-file-source/tasks/0/restart`])).status, 204);
  t.is((await curl(['-X', 'PUT', `${base}/connectors/local-file-source/stop`])).status, 204);
  t.deepEqual((await curl([`${base}/connectors/local-file-source/offsets`])).body, { offsets: [] });

  const validated = await curl(['-X', 'PUT', ...json, '--data', '@-', `${base}/connector-plugins/FileStreamSource/config/validate`], JSON.stringify({ ...CONFIG.config, name: CONFIG.name }));
  t.is(validated.status, 200);
  t.is((validated.body as { error_count: number }).error_count, 0);

  const deleted = await curl(['-X', 'DELETE', `${base}/connectors/local-file-source`]);
  t.is(deleted.status, 204);
  t.is(deleted.body, undefined);
  const gone = await curl([`${base}/connectors/local-file-source`]);
  t.is(gone.status, 404);
  t.deepEqual(gone.body, { error_code: 404, message: 'Connector local-file-source not found' });
}

curlTest('curl\'s defaults that Kafka refuses are refused the same way, in Kafka\'s error shape', async (t) => {
  const { base } = await start(t, { bodyLimit: 64 });
  // `--data` alone sends application/x-www-form-urlencoded.
  const form = await curl(['--data', '@-', `${base}/connectors`], JSON.stringify(CONFIG));
  t.is(form.status, 415);
  t.is((form.body as { error_code: number }).error_code, 415);
  const malformed = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"name":', `${base}/connectors`]);
  t.is(malformed.status, 400);
  t.regex((malformed.body as { message: string }).message, /Malformed JSON/);
  const big = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '@-', `${base}/connectors`], JSON.stringify(CONFIG));
  t.is(big.status, 413);
  t.is((big.body as { error_code: number }).error_code, 413);
  const wrongMethod = await curl(['-X', 'DELETE', `${base}/connectors`]);
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.headers.get('allow'), 'GET, HEAD, POST');
});

curlTest('with a credentials file, curl -u gets in and a bare curl gets 401 with a challenge', async (t) => {
  const file = path.join(tempDir(t), 'connect.password');
  fs.writeFileSync(file, 'admin: admin-secret\n');
  const { base } = await start(t, { basicAuthFile: file });
  const refused = await curl([`${base}/connectors`]);
  t.is(refused.status, 401);
  t.regex(refused.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  t.deepEqual(refused.body, { error_code: 401, message: 'User cannot access the resource.' });
  t.is((await curl(['-u', 'admin:wrong', `${base}/connectors`])).status, 401);
  const admitted = await curl(['-u', 'admin:admin-secret', `${base}/connectors`]);
  t.is(admitted.status, 200);
  t.deepEqual(admitted.body, []);
});

curlTest('close() stops listening and may be called again', async (t) => {
  const { server, base } = await start(t);
  t.is((await curl([`${base}/connectors`])).status, 200);
  await server.close();
  await server.close();
  t.is((await curl([`${base}/connectors`])).exitCode, 7, 'curl could not connect');
});
