import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { DescribeConfigsResponse } from '../../../core/protocol/index.ts';
import { testBatch } from '../../helpers/batches.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';

/*
 * Topic and broker configs over the wire: DescribeConfigs, AlterConfigs and
 * IncrementalAlterConfigs against a real broker, and the configs' effect on Produce.
 */

type ResourceResult = DescribeConfigsResponse['results'][number];
type ConfigEntry = ResourceResult['configs'][number];

const TOPIC = 2;
const BROKER = 4;

const Source = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const DEFAULT_RETENTION_MS = '604800000';

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

async function createTopic(client: WireClient, name: string, configs: Record<string, string> = {}, numPartitions = 1): Promise<void> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs: 5000,
  });
  const result = response.topics[0];
  if (result?.errorCode !== ErrorCode.NONE) throw new Error(`creating ${name} failed: ${JSON.stringify(result)}`);
}

/** The first result of a request about one resource. */
function firstResult<T>(results: readonly T[], what: string): T {
  const result = results[0];
  if (result === undefined) throw new Error(`${what} answered nothing`);
  return result;
}

async function describe(
  client: WireClient,
  version: number,
  resourceType: number,
  resourceName: string,
  configurationKeys: readonly string[] | null = null,
  includeSynonyms = false,
): Promise<ResourceResult> {
  const response = await client.request(ApiKey.DESCRIBE_CONFIGS, version, {
    resources: [{ resourceType, resourceName, configurationKeys }],
    includeSynonyms,
  });
  return firstResult(response.results, `DescribeConfigs for ${resourceName}`);
}

function byName(result: ResourceResult): Map<string, ConfigEntry> {
  return new Map(result.configs.map((entry) => [entry.name, entry]));
}

/** name → [value, source] of a topic, described with v1 (which has config sources). */
async function topicConfigs(client: WireClient, topic: string, names: readonly string[]): Promise<Record<string, [string | null, number]>> {
  const result = await describe(client, 1, TOPIC, topic, names);
  if (result.errorCode !== ErrorCode.NONE) throw new Error(`describing ${topic} failed with ${result.errorCode}`);
  const out: Record<string, [string | null, number]> = {};
  for (const entry of result.configs) out[entry.name] = [entry.value, entry.configSource];
  return out;
}

/** cleanup.policy is a set: its order carries no meaning. */
function policySet(value: string | null | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).sort();
}

type AlterResult = { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string };

async function alterConfigs(
  client: WireClient,
  version: number,
  resourceType: number,
  resourceName: string,
  configs: Record<string, string | null>,
  validateOnly = false,
): Promise<AlterResult> {
  const response = await client.request(ApiKey.ALTER_CONFIGS, version, {
    resources: [{ resourceType, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    validateOnly,
  });
  return firstResult(response.responses, `AlterConfigs for ${resourceName}`);
}

async function incrementalAlter(
  client: WireClient,
  version: number,
  resourceType: number,
  resourceName: string,
  configs: readonly { name: string; configOperation: number; value: string | null }[],
  validateOnly = false,
): Promise<AlterResult> {
  const response = await client.request(ApiKey.INCREMENTAL_ALTER_CONFIGS, version, {
    resources: [{ resourceType, resourceName, configs }],
    validateOnly,
  });
  return firstResult(response.responses, `IncrementalAlterConfigs for ${resourceName}`);
}

async function produce(client: WireClient, topic: string, records: Buffer, acks: number): Promise<{ errorCode: number; errorMessage: string | null; baseOffset: bigint }> {
  const response = await client.request(ApiKey.PRODUCE, 8, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  const result = response.responses[0]?.partitionResponses[0];
  if (result === undefined) throw new Error(`Produce answered nothing for ${topic}`);
  return result;
}

/** A one-record batch whose value is `size` bytes. */
function batchWithValue(size: number): Buffer {
  return testBatch({ count: 1, value: () => 'v'.repeat(size) });
}

// ---------------------------------------------------------------- DescribeConfigs

test('DescribeConfigs v0..v2 shows a topic’s overrides as dynamic topic configs and the rest as defaults', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'tuned', { 'retention.ms': '1000', 'cleanup.policy': 'compact' });

  for (let v = 0; v <= 2; v++) {
    const result = await describe(client, v, TOPIC, 'tuned');
    t.is(result.errorCode, ErrorCode.NONE, `v${v}`);
    t.is(result.resourceType, TOPIC, `v${v}`);
    t.is(result.resourceName, 'tuned', `v${v}`);
    const configs = byName(result);
    const check = (name: string, value: string, overridden: boolean): void => {
      const entry = configs.get(name);
      if (entry === undefined) {
        t.fail(`v${v} does not describe ${name}`);
        return;
      }
      t.is(entry.value, value, `v${v} ${name}`);
      t.false(entry.readOnly, `v${v} ${name} is not read-only`);
      t.false(entry.isSensitive, `v${v} ${name}`);
      if (v === 0) {
        t.is(entry.isDefault, !overridden, `v${v} ${name} isDefault`);
      } else {
        t.is(entry.configSource, overridden ? Source.DYNAMIC_TOPIC_CONFIG : Source.DEFAULT_CONFIG, `v${v} ${name} configSource`);
      }
    };
    check('retention.ms', '1000', true);
    check('cleanup.policy', 'compact', true);
    check('segment.bytes', '1073741824', false);
    check('max.message.bytes', '1048588', false);
    check('min.insync.replicas', '1', false);
    check('retention.bytes', '-1', false);
    check('segment.ms', '604800000', false);
    check('message.timestamp.type', 'CreateTime', false);
    // Every entry is one of the two overrides, a default, or flush.messages: the broker's
    // default every-append flush policy is Kafka's log.flush.interval.messages=1.
    const overridden = result.configs.filter((entry) => (v === 0 ? !entry.isDefault : entry.configSource !== Source.DEFAULT_CONFIG)).map((e) => e.name);
    t.deepEqual(overridden.sort(), ['cleanup.policy', 'flush.messages', 'retention.ms'], `v${v} overrides`);
    if (v > 0) {
      const fromTopic = result.configs.filter((entry) => entry.configSource === Source.DYNAMIC_TOPIC_CONFIG).map((e) => e.name);
      t.deepEqual(fromTopic.sort(), ['cleanup.policy', 'retention.ms'], `v${v} topic overrides`);
    }
  }
});

test('DescribeConfigs v1+ lists the topic override first among the synonyms when asked', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'synonymous', { 'retention.ms': '1000' });
  for (const v of [1, 2]) {
    const withSynonyms = byName(await describe(client, v, TOPIC, 'synonymous', ['retention.ms'], true));
    t.deepEqual(withSynonyms.get('retention.ms')?.synonyms[0], { name: 'retention.ms', value: '1000', source: Source.DYNAMIC_TOPIC_CONFIG }, `v${v}`);
    const without = byName(await describe(client, v, TOPIC, 'synonymous', ['retention.ms'], false));
    t.deepEqual(without.get('retention.ms')?.synonyms, [], `v${v} no synonyms unless asked`);
  }
});

test('DescribeConfigs configurationKeys picks the configs to describe', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'picky', { 'retention.ms': '1000' });
  for (let v = 0; v <= 2; v++) {
    const two = await describe(client, v, TOPIC, 'picky', ['segment.bytes', 'retention.ms']);
    t.deepEqual(
      two.configs.map((entry) => [entry.name, entry.value]).sort(),
      [
        ['retention.ms', '1000'],
        ['segment.bytes', '1073741824'],
      ],
      `v${v}`,
    );
    const unknownKey = await describe(client, v, TOPIC, 'picky', ['no.such.config']);
    t.is(unknownKey.errorCode, ErrorCode.NONE, `v${v}`);
    t.deepEqual(unknownKey.configs, [], `v${v} an unknown key describes nothing`);
    const all = await describe(client, v, TOPIC, 'picky', null);
    t.true(all.configs.length > 2, `v${v} null means every config`);
  }
});

test('DescribeConfigs v0..v2 of an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION, next to resources that exist', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'present');
  for (let v = 0; v <= 2; v++) {
    const response = await client.request(ApiKey.DESCRIBE_CONFIGS, v, {
      resources: [
        { resourceType: TOPIC, resourceName: 'absent', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'present', configurationKeys: ['retention.ms'] },
      ],
      includeSynonyms: false,
    });
    t.deepEqual(
      response.results.map((r) => [r.resourceName, r.errorCode, r.configs.length]),
      [
        ['absent', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
        ['present', ErrorCode.NONE, 1],
      ],
      `v${v}`,
    );
  }
  // Describing must not auto-create.
  const metadata = await client.request(ApiKey.METADATA, 1, { topics: null });
  t.deepEqual(metadata.topics.map((topic) => topic.name), ['present']);
});

test('DescribeConfigs v0..v2 of the broker (type 4, name "0") lists its configs as read-only', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  for (let v = 0; v <= 2; v++) {
    const result = await describe(client, v, BROKER, '0');
    t.is(result.errorCode, ErrorCode.NONE, `v${v}`);
    t.is(result.resourceType, BROKER);
    t.is(result.resourceName, '0');
    const configs = byName(result);
    t.is(configs.get('broker.id')?.value, '0', `v${v} broker.id`);
    t.is(configs.get('num.partitions')?.value, '3', `v${v} num.partitions`);
    t.is(configs.get('auto.create.topics.enable')?.value, 'true', `v${v} auto.create.topics.enable`);
    t.is(configs.get('log.retention.ms')?.value, DEFAULT_RETENTION_MS, `v${v} log.retention.ms`);
    t.true(
      result.configs.every((entry) => entry.readOnly),
      `v${v} every broker config is read-only: ${result.configs.filter((e) => !e.readOnly).map((e) => e.name).join(', ')}`,
    );
    if (v >= 1) t.is(configs.get('broker.id')?.configSource, Source.STATIC_BROKER_CONFIG, `v${v} broker.id source`);

    const picked = await describe(client, v, BROKER, '0', ['broker.id']);
    t.deepEqual(picked.configs.map((entry) => [entry.name, entry.value]), [['broker.id', '0']], `v${v} configurationKeys`);

    // Kafka's ConfigHelper: "Unexpected broker id, expected 0 but received 7".
    const otherBroker = await describe(client, v, BROKER, '7');
    t.is(otherBroker.errorCode, ErrorCode.INVALID_REQUEST, `v${v} another broker id`);
  }
});

// Kafka's ConfigHelper.createTopicConfigEntry: with no topic override, the source is that of the
// broker setting behind it, STATIC_BROKER_CONFIG when the broker's own config sets it.
test('a topic without an override shows the broker’s log setting, with source STATIC_BROKER_CONFIG', async (t) => {
  const { port } = await startTestBroker(t, { log: { segmentBytes: 1_048_576 } });
  const client = await connect(t, port);
  await createTopic(client, 'inherits');
  const entry = byName(await describe(client, 1, TOPIC, 'inherits', ['segment.bytes'])).get('segment.bytes');
  t.is(entry?.value, '1048576');
  t.is(entry?.configSource, Source.STATIC_BROKER_CONFIG);
  const v0 = byName(await describe(client, 0, TOPIC, 'inherits', ['segment.bytes'])).get('segment.bytes');
  t.is(v0?.value, '1048576');
  t.is(v0?.isDefault, false, 'v0: a value the broker config sets is not the default');
});

// ---------------------------------------------------------------- AlterConfigs

test('AlterConfigs v0/v1 replaces the whole set of overrides', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const topic = `replaced-v${v}`;
    await createTopic(client, topic, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    const result = await alterConfigs(client, v, TOPIC, topic, { 'segment.bytes': '1048576', 'retention.ms': '2000' });
    t.deepEqual(result, { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: TOPIC, resourceName: topic }, `v${v}`);
    t.deepEqual(
      await topicConfigs(client, topic, ['segment.bytes', 'retention.ms', 'cleanup.policy']),
      {
        'segment.bytes': ['1048576', Source.DYNAMIC_TOPIC_CONFIG],
        'retention.ms': ['2000', Source.DYNAMIC_TOPIC_CONFIG],
        'cleanup.policy': ['delete', Source.DEFAULT_CONFIG],
      },
      `v${v} cleanup.policy, left out, reverts to its default`,
    );

    const emptied = await alterConfigs(client, v, TOPIC, topic, {});
    t.is(emptied.errorCode, ErrorCode.NONE, `v${v} an empty set`);
    t.deepEqual(
      await topicConfigs(client, topic, ['segment.bytes', 'retention.ms']),
      { 'segment.bytes': ['1073741824', Source.DEFAULT_CONFIG], 'retention.ms': [DEFAULT_RETENTION_MS, Source.DEFAULT_CONFIG] },
      `v${v} an empty set removes every override`,
    );
  }
});

test('AlterConfigs with validateOnly changes nothing', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'kept', { 'retention.ms': '1000' });
  for (let v = 0; v <= 1; v++) {
    const result = await alterConfigs(client, v, TOPIC, 'kept', { 'segment.bytes': '1048576' }, true);
    t.is(result.errorCode, ErrorCode.NONE, `v${v}`);
    const invalid = await alterConfigs(client, v, TOPIC, 'kept', { 'segment.bytes': 'big' }, true);
    t.is(invalid.errorCode, ErrorCode.INVALID_CONFIG, `v${v} validateOnly still validates`);
    t.deepEqual(
      await topicConfigs(client, 'kept', ['segment.bytes', 'retention.ms']),
      { 'segment.bytes': ['1073741824', Source.DEFAULT_CONFIG], 'retention.ms': ['1000', Source.DYNAMIC_TOPIC_CONFIG] },
      `v${v}`,
    );
  }
});

test('AlterConfigs v0/v1 refuses bad values and unknown names with INVALID_CONFIG and keeps the old overrides', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'guarded', { 'retention.ms': '1000' });
  for (let v = 0; v <= 1; v++) {
    const badValue = await alterConfigs(client, v, TOPIC, 'guarded', { 'retention.ms': 'abc' });
    t.is(badValue.errorCode, ErrorCode.INVALID_CONFIG, `v${v} retention.ms=abc`);
    t.regex(badValue.errorMessage ?? '', /retention\.ms/, `v${v}`);

    const tooSmall = await alterConfigs(client, v, TOPIC, 'guarded', { 'min.insync.replicas': '0' });
    t.is(tooSmall.errorCode, ErrorCode.INVALID_CONFIG, `v${v} min.insync.replicas=0`);
    t.regex(tooSmall.errorMessage ?? '', /min\.insync\.replicas/, `v${v}`);

    const unknown = await alterConfigs(client, v, TOPIC, 'guarded', { 'no.such.config': '1' });
    t.is(unknown.errorCode, ErrorCode.INVALID_CONFIG, `v${v} unknown name`);
    t.regex(unknown.errorMessage ?? '', /no\.such\.config/, `v${v}`);

    const absent = await alterConfigs(client, v, TOPIC, 'absent', { 'retention.ms': '5' });
    t.is(absent.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} unknown topic`);
  }
  t.deepEqual(await topicConfigs(client, 'guarded', ['retention.ms', 'min.insync.replicas']), {
    'retention.ms': ['1000', Source.DYNAMIC_TOPIC_CONFIG],
    'min.insync.replicas': ['1', Source.DEFAULT_CONFIG],
  });
});

// ---------------------------------------------------------------- IncrementalAlterConfigs

test('IncrementalAlterConfigs v0/v1 SET and DELETE change only the named configs', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const topic = `incremental-v${v}`;
    await createTopic(client, topic, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });

    const set = await incrementalAlter(client, v, TOPIC, topic, [
      { name: 'segment.bytes', configOperation: Op.SET, value: '1048576' },
      { name: 'retention.ms', configOperation: Op.SET, value: '3000' },
    ]);
    t.deepEqual(set, { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: TOPIC, resourceName: topic }, `v${v} SET`);
    t.deepEqual(
      await topicConfigs(client, topic, ['segment.bytes', 'retention.ms', 'cleanup.policy']),
      {
        'segment.bytes': ['1048576', Source.DYNAMIC_TOPIC_CONFIG],
        'retention.ms': ['3000', Source.DYNAMIC_TOPIC_CONFIG],
        'cleanup.policy': ['compact', Source.DYNAMIC_TOPIC_CONFIG],
      },
      `v${v} the override not named is kept`,
    );

    const deleted = await incrementalAlter(client, v, TOPIC, topic, [
      { name: 'retention.ms', configOperation: Op.DELETE, value: null },
      { name: 'max.message.bytes', configOperation: Op.DELETE, value: null },
    ]);
    t.is(deleted.errorCode, ErrorCode.NONE, `v${v} DELETE (also of a config without an override)`);
    t.deepEqual(
      await topicConfigs(client, topic, ['segment.bytes', 'retention.ms', 'max.message.bytes']),
      {
        'segment.bytes': ['1048576', Source.DYNAMIC_TOPIC_CONFIG],
        'retention.ms': [DEFAULT_RETENTION_MS, Source.DEFAULT_CONFIG],
        'max.message.bytes': ['1048588', Source.DEFAULT_CONFIG],
      },
      `v${v} DELETE reverts to the default`,
    );
  }
});

test('IncrementalAlterConfigs APPEND and SUBTRACT edit the cleanup.policy list, starting from the default', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const topic = `policy-v${v}`;
    await createTopic(client, topic);

    // No override yet: APPEND starts from the default, "delete".
    const appended = await incrementalAlter(client, v, TOPIC, topic, [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' }]);
    t.is(appended.errorCode, ErrorCode.NONE, `v${v} APPEND`);
    let entry = (await topicConfigs(client, topic, ['cleanup.policy']))['cleanup.policy'];
    t.deepEqual(policySet(entry?.[0]), ['compact', 'delete'], `v${v} after APPEND`);
    t.is(entry?.[1], Source.DYNAMIC_TOPIC_CONFIG);

    const again = await incrementalAlter(client, v, TOPIC, topic, [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'delete' }]);
    t.is(again.errorCode, ErrorCode.NONE, `v${v} APPEND of a present item`);
    entry = (await topicConfigs(client, topic, ['cleanup.policy']))['cleanup.policy'];
    t.deepEqual(policySet(entry?.[0]), ['compact', 'delete'], `v${v} APPEND adds no duplicate`);

    const subtracted = await incrementalAlter(client, v, TOPIC, topic, [{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'delete' }]);
    t.is(subtracted.errorCode, ErrorCode.NONE, `v${v} SUBTRACT`);
    t.deepEqual(await topicConfigs(client, topic, ['cleanup.policy']), { 'cleanup.policy': ['compact', Source.DYNAMIC_TOPIC_CONFIG] }, `v${v} after SUBTRACT`);
  }
});

test('IncrementalAlterConfigs refuses bad operations with INVALID_CONFIG or INVALID_REQUEST and a message, changing nothing', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'strict', { 'retention.ms': '1000' });
  const cases: { what: string; ops: { name: string; configOperation: number; value: string | null }[]; errorCode: number; mentions: RegExp }[] = [
    { what: 'SET a bad value', ops: [{ name: 'retention.ms', configOperation: Op.SET, value: 'abc' }], errorCode: ErrorCode.INVALID_CONFIG, mentions: /retention\.ms/ },
    { what: 'SET an unknown name', ops: [{ name: 'no.such.config', configOperation: Op.SET, value: '1' }], errorCode: ErrorCode.INVALID_CONFIG, mentions: /no\.such\.config/ },
    { what: 'APPEND to a non-list', ops: [{ name: 'retention.ms', configOperation: Op.APPEND, value: '5' }], errorCode: ErrorCode.INVALID_CONFIG, mentions: /retention\.ms/ },
    { what: 'APPEND an unknown policy', ops: [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'shred' }], errorCode: ErrorCode.INVALID_CONFIG, mentions: /cleanup\.policy/ },
    { what: 'SET without a value', ops: [{ name: 'segment.bytes', configOperation: Op.SET, value: null }], errorCode: ErrorCode.INVALID_REQUEST, mentions: /segment\.bytes/ },
    {
      what: 'one name twice',
      ops: [
        { name: 'segment.bytes', configOperation: Op.SET, value: '1048576' },
        { name: 'segment.bytes', configOperation: Op.DELETE, value: null },
      ],
      errorCode: ErrorCode.INVALID_REQUEST,
      mentions: /segment\.bytes/,
    },
    { what: 'an unknown operation', ops: [{ name: 'segment.bytes', configOperation: 9, value: '1048576' }], errorCode: ErrorCode.INVALID_REQUEST, mentions: /9/ },
  ];
  for (let v = 0; v <= 1; v++) {
    for (const { what, ops, errorCode, mentions } of cases) {
      // A good operation next to the bad one: the resource is altered whole or not at all.
      const result = await incrementalAlter(client, v, TOPIC, 'strict', [{ name: 'max.message.bytes', configOperation: Op.SET, value: '5000' }, ...ops]);
      t.is(result.errorCode, errorCode, `v${v} ${what}`);
      t.regex(result.errorMessage ?? '', mentions, `v${v} ${what}: ${result.errorMessage ?? 'no message'}`);
    }
    const absent = await incrementalAlter(client, v, TOPIC, 'absent', [{ name: 'retention.ms', configOperation: Op.SET, value: '5' }]);
    t.is(absent.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} unknown topic`);
  }
  t.deepEqual(await topicConfigs(client, 'strict', ['retention.ms', 'max.message.bytes', 'segment.bytes']), {
    'retention.ms': ['1000', Source.DYNAMIC_TOPIC_CONFIG],
    'max.message.bytes': ['1048588', Source.DEFAULT_CONFIG],
    'segment.bytes': ['1073741824', Source.DEFAULT_CONFIG],
  });
});

test('IncrementalAlterConfigs with validateOnly changes nothing', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'dry', { 'retention.ms': '1000' });
  for (let v = 0; v <= 1; v++) {
    const result = await incrementalAlter(
      client,
      v,
      TOPIC,
      'dry',
      [
        { name: 'retention.ms', configOperation: Op.DELETE, value: null },
        { name: 'segment.bytes', configOperation: Op.SET, value: '1048576' },
      ],
      true,
    );
    t.is(result.errorCode, ErrorCode.NONE, `v${v}`);
    t.deepEqual(
      await topicConfigs(client, 'dry', ['retention.ms', 'segment.bytes']),
      { 'retention.ms': ['1000', Source.DYNAMIC_TOPIC_CONFIG], 'segment.bytes': ['1073741824', Source.DEFAULT_CONFIG] },
      `v${v}`,
    );
  }
});

// ---------------------------------------------------------------- effects

test('a lowered max.message.bytes refuses larger batches with MESSAGE_TOO_LARGE, also after a restart', async (t) => {
  const first = await startTestBroker(t);
  const client = await connect(t, first.port);
  await createTopic(client, 'limited');
  t.is((await produce(client, 'limited', batchWithValue(600), 1)).errorCode, ErrorCode.NONE, 'fits the default limit');

  const altered = await incrementalAlter(client, 1, TOPIC, 'limited', [{ name: 'max.message.bytes', configOperation: Op.SET, value: '300' }]);
  t.is(altered.errorCode, ErrorCode.NONE);
  const tooLarge = await produce(client, 'limited', batchWithValue(600), 1);
  t.is(tooLarge.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  t.is(tooLarge.baseOffset, -1n);
  const small = await produce(client, 'limited', batchWithValue(10), 1);
  t.is(small.errorCode, ErrorCode.NONE);
  t.is(small.baseOffset, 1n, 'the refused batch took no offset');

  const second = await first.restart();
  const after = await connect(t, second.port);
  t.deepEqual(await topicConfigs(after, 'limited', ['max.message.bytes']), { 'max.message.bytes': ['300', Source.DYNAMIC_TOPIC_CONFIG] });
  t.is((await produce(after, 'limited', batchWithValue(600), 1)).errorCode, ErrorCode.MESSAGE_TOO_LARGE, 'still refused after a restart');
  t.is((await produce(after, 'limited', batchWithValue(10), 1)).baseOffset, 2n);
});

test('AlterConfigs raising max.message.bytes back lets the larger batch in', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'relaxed', { 'max.message.bytes': '300' });
  t.is((await produce(client, 'relaxed', batchWithValue(600), 1)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  t.is((await alterConfigs(client, 1, TOPIC, 'relaxed', { 'max.message.bytes': '5000' })).errorCode, ErrorCode.NONE);
  t.is((await produce(client, 'relaxed', batchWithValue(600), 1)).errorCode, ErrorCode.NONE);
});

test('min.insync.replicas=2 makes acks=-1 produce fail with NOT_ENOUGH_REPLICAS while acks=1 works, also after a restart', async (t) => {
  const first = await startTestBroker(t);
  const client = await connect(t, first.port);
  await createTopic(client, 'replicated');
  t.is((await produce(client, 'replicated', testBatch(), -1)).errorCode, ErrorCode.NONE, 'acks=all works with the default of 1');

  const altered = await incrementalAlter(client, 0, TOPIC, 'replicated', [{ name: 'min.insync.replicas', configOperation: Op.SET, value: '2' }]);
  t.is(altered.errorCode, ErrorCode.NONE);
  const refused = await produce(client, 'replicated', testBatch(), -1);
  t.is(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  t.truthy(refused.errorMessage);
  const leaderOnly = await produce(client, 'replicated', testBatch(), 1);
  t.is(leaderOnly.errorCode, ErrorCode.NONE);
  t.is(leaderOnly.baseOffset, 1n, 'the refused acks=all batch was not appended');

  const second = await first.restart();
  const after = await connect(t, second.port);
  t.deepEqual(await topicConfigs(after, 'replicated', ['min.insync.replicas']), { 'min.insync.replicas': ['2', Source.DYNAMIC_TOPIC_CONFIG] });
  t.is((await produce(after, 'replicated', testBatch(), -1)).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS, 'still refused after a restart');
  t.is((await produce(after, 'replicated', testBatch(), 1)).baseOffset, 2n);

  const restored = await incrementalAlter(after, 1, TOPIC, 'replicated', [{ name: 'min.insync.replicas', configOperation: Op.DELETE, value: null }]);
  t.is(restored.errorCode, ErrorCode.NONE);
  t.is((await produce(after, 'replicated', testBatch(), -1)).errorCode, ErrorCode.NONE, 'back to the default of 1');
});

test('configs set by AlterConfigs survive a restart', async (t) => {
  const first = await startTestBroker(t);
  const client = await connect(t, first.port);
  await createTopic(client, 'remembered', { 'retention.ms': '1000' });
  t.is((await alterConfigs(client, 0, TOPIC, 'remembered', { 'cleanup.policy': 'compact', 'segment.ms': '60000' })).errorCode, ErrorCode.NONE);

  const second = await first.restart();
  const after = await connect(t, second.port);
  t.deepEqual(await topicConfigs(after, 'remembered', ['cleanup.policy', 'segment.ms', 'retention.ms']), {
    'cleanup.policy': ['compact', Source.DYNAMIC_TOPIC_CONFIG],
    'segment.ms': ['60000', Source.DYNAMIC_TOPIC_CONFIG],
    'retention.ms': [DEFAULT_RETENTION_MS, Source.DEFAULT_CONFIG],
  });
});

// ---------------------------------------------------------------- broker configs

test('altering broker configs is refused with a message saying to restart', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const legacy = await alterConfigs(client, v, BROKER, '0', { 'log.retention.ms': '1000' });
    t.is(legacy.errorCode, ErrorCode.INVALID_REQUEST, `AlterConfigs v${v}`);
    t.is(legacy.resourceType, BROKER);
    t.is(legacy.resourceName, '0');
    t.regex(legacy.errorMessage ?? '', /restart/, `AlterConfigs v${v}`);

    const incremental = await incrementalAlter(client, v, BROKER, '0', [{ name: 'log.retention.ms', configOperation: Op.SET, value: '1000' }]);
    t.is(incremental.errorCode, ErrorCode.INVALID_REQUEST, `IncrementalAlterConfigs v${v}`);
    t.regex(incremental.errorMessage ?? '', /restart/, `IncrementalAlterConfigs v${v}`);

    const validateOnly = await incrementalAlter(client, v, BROKER, '0', [{ name: 'log.retention.ms', configOperation: Op.SET, value: '1000' }], true);
    t.is(validateOnly.errorCode, ErrorCode.INVALID_REQUEST, `IncrementalAlterConfigs v${v} validateOnly`);
  }
  const broker = byName(await describe(client, 1, BROKER, '0', ['log.retention.ms']));
  t.is(broker.get('log.retention.ms')?.value, DEFAULT_RETENTION_MS, 'the broker config is unchanged');
});
