/**
 * kafkajs 2.2.4's admin against Brook's topic configs: describeConfigs returns Kafka's full
 * list, and a topic created with message.timestamp.difference.max.ms refuses records out of
 * the window, which kafkajs reports as Kafka's INVALID_TIMESTAMP.
 */
import { createRequire } from 'node:module';
import test from 'ava';
import type * as KafkajsModule from 'kafkajs';
import { TOPIC_CONFIG_NAMES } from '../../broker/topics/topic-config.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { connectedAdmin, connectedProducer, kafkaClient } from './kafkajs-helpers.ts';

// kafkajs's ESM types declare ConfigResourceTypes, its index.js exports it only through require.
const require = createRequire(import.meta.url);
const { ConfigResourceTypes } = require('kafkajs') as typeof KafkajsModule;

test('kafkajs describeConfigs lists every Kafka topic config; createTopics takes message.timestamp.difference.max.ms and it acts', async (t) => {
  const { bootstrap } = await startTestBroker(t, { autoCreateTopics: false });
  const kafka = kafkaClient(bootstrap, 'brook-topic-configs', 0);
  const admin = await connectedAdmin(t, kafka);
  t.true(
    await admin.createTopics({
      topics: [{ topic: 'recent', numPartitions: 1, configEntries: [{ name: 'message.timestamp.difference.max.ms', value: '60000' }] }],
    }),
  );

  const { resources } = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'recent' }] });
  const entries = resources[0]?.configEntries ?? [];
  t.deepEqual(entries.map((e) => e.configName).sort(), [...TOPIC_CONFIG_NAMES].sort());
  const difference = entries.find((e) => e.configName === 'message.timestamp.difference.max.ms');
  t.like(difference, { configValue: '60000', isDefault: false, readOnly: false });
  t.deepEqual(difference?.configSynonyms.map((s) => s.configName), ['message.timestamp.difference.max.ms', 'log.message.timestamp.difference.max.ms']);
  t.like(
    entries.find((e) => e.configName === 'unclean.leader.election.enable'),
    { configValue: 'false', isDefault: true },
  );

  const producer = await connectedProducer(t, kafka, { retry: { retries: 0 } });
  const sent = await producer.send({ topic: 'recent', acks: -1, messages: [{ value: 'now', timestamp: String(Date.now()) }] });
  t.is(sent[0]?.errorCode, 0);
  const refused = await t.throwsAsync(producer.send({ topic: 'recent', acks: -1, messages: [{ value: 'old', timestamp: String(Date.now() - 3_600_000) }] }));
  t.is(refused.name, 'KafkaJSProtocolError');
  t.is((refused as Error & { type?: string }).type, 'INVALID_TIMESTAMP');
  const offsets = await admin.fetchTopicOffsets('recent');
  t.deepEqual(offsets.map((o) => o.high), ['1'], 'only the record in range was stored');
});
