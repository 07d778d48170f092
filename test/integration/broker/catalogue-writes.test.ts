import fsp from 'node:fs/promises';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/*
 * The topic catalogue is written on the thread pool while the broker keeps serving. These
 * tests hold each catalogue write at its rename (the step that makes it take effect) so two
 * admin requests are certain to overlap, then check that the answers wait for the write and
 * that neither change is lost across a restart. Serial: they patch fs.promises.rename.
 */

interface HeldRenames {
  /** Catalogue renames waiting to be let through, oldest first. */
  readonly held: (() => void)[];
  /** How many catalogue renames were started so far. */
  count(): number;
}

function holdCatalogueRenames(t: ExecutionContext): HeldRenames {
  const target = fsp as { rename: typeof fsp.rename };
  const original = target.rename;
  const held: (() => void)[] = [];
  let started = 0;
  target.rename = (async (from: string, to: string) => {
    if (!to.endsWith('topics.json')) return original(from, to);
    started++;
    await new Promise<void>((resolve) => held.push(resolve));
    return original(from, to);
  }) as typeof fsp.rename;
  t.teardown(() => {
    target.rename = original;
    for (const release of held.splice(0)) release();
  });
  return { held, count: () => started };
}

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

function createTopic(client: WireClient, name: string): Promise<number | undefined> {
  return client
    .request(ApiKey.CREATE_TOPICS, 4, {
      topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    })
    .then((response) => response.topics[0]?.errorCode);
}

function setConfig(client: WireClient, topic: string, name: string, value: string): Promise<number | undefined> {
  return client
    .request(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name, configOperation: 0, value }] }],
      validateOnly: false,
    })
    .then((response) => response.responses[0]?.errorCode);
}

async function topicNames(client: WireClient): Promise<string[]> {
  const response = await client.request(ApiKey.METADATA, 8, { topics: null, allowAutoTopicCreation: false });
  return response.topics.map((topic) => topic.name).sort();
}

/** Lets held catalogue writes through, one at a time, until every answer is in. */
async function releaseUntilAnswered(renames: HeldRenames, answers: Promise<unknown>[]): Promise<void> {
  let answered = 0;
  for (const answer of answers) void answer.then(() => answered++);
  while (answered < answers.length) {
    await waitFor(() => renames.held.length > 0 || answered === answers.length, { describe: () => `a catalogue write or ${answers.length} answers (got ${answered})` });
    renames.held.shift()?.();
  }
}

test.serial('two concurrent CreateTopics both survive a restart; each is answered only once the catalogue holding it is written', async (t) => {
  const first = await startTestBroker(t);
  const [one, two, observer] = await Promise.all([connect(t, first.port), connect(t, first.port), connect(t, first.port)]);
  const renames = holdCatalogueRenames(t);

  let answeredA: number | undefined;
  const a = createTopic(one, 'alpha').then((code) => (answeredA = code));
  await waitFor(() => renames.held.length === 1, { describe: () => 'the first catalogue write' });
  const b = createTopic(two, 'beta');
  // The broker still serves while the write is held, and shows neither topic before it is durable.
  t.deepEqual(await topicNames(observer), []);
  t.is(answeredA, undefined, 'CreateTopics waits for the catalogue write');

  await releaseUntilAnswered(renames, [a, b]);
  t.deepEqual([await a, await b], [ErrorCode.NONE, ErrorCode.NONE]);
  t.deepEqual(await topicNames(observer), ['alpha', 'beta']);
  t.true(renames.count() <= 2, `the second create waited for the first write instead of racing it (${renames.count()} writes)`);

  const second = await first.restart();
  t.deepEqual(await topicNames(await connect(t, second.port)), ['alpha', 'beta'], 'neither create was lost');
});

test.serial('two concurrent IncrementalAlterConfigs of one topic both take effect and survive a restart', async (t) => {
  const first = await startTestBroker(t);
  const [one, two] = await Promise.all([connect(t, first.port), connect(t, first.port)]);
  t.is(await createTopic(one, 'tuned'), ErrorCode.NONE);
  const renames = holdCatalogueRenames(t);

  const a = setConfig(one, 'tuned', 'retention.ms', '12345');
  await waitFor(() => renames.held.length === 1, { describe: () => 'the first catalogue write' });
  const b = setConfig(two, 'tuned', 'max.message.bytes', '54321');
  await releaseUntilAnswered(renames, [a, b]);
  t.deepEqual([await a, await b], [ErrorCode.NONE, ErrorCode.NONE]);

  const second = await first.restart();
  const client = await connect(t, second.port);
  const described = await client.request(ApiKey.DESCRIBE_CONFIGS, 1, {
    resources: [{ resourceType: 2, resourceName: 'tuned', configurationKeys: ['retention.ms', 'max.message.bytes'] }],
    includeSynonyms: false,
  });
  t.deepEqual(
    described.results[0]?.configs.map((c) => [c.name, c.value]).sort(),
    [
      ['max.message.bytes', '54321'],
      ['retention.ms', '12345'],
    ],
  );
});
