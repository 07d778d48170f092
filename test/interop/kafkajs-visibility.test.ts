/**
 * kafkajs 2.2.4 doing what an application's read-your-writes check does: send with acks=1,
 * then ask the admin client for the topic's offsets (ListOffsets latest) and delete records
 * up to the new end. Once the send is answered, the broker must report the new end, as a
 * Kafka node with replication factor 1 does, whatever the flush policy.
 */
import test from 'ava';
import { startTestBroker } from '../helpers/broker.ts';
import { connectedAdmin, connectedProducer, kafkaClient } from './kafkajs-helpers.ts';

const ROUNDS = 40;
const PARTITIONS = 3;

const policies = [
  { name: 'every-append (the default)', log: {} },
  // The interval policy's timer never fires during the test: only the append can move the end.
  { name: 'interval', log: { flushPolicy: 'interval', flushIntervalMs: 3_600_000 } },
] as const;

for (const policy of policies) {
  test(`kafkajs, ${policy.name}: send with acks=1, then fetchTopicOffsets sees the new end and deleteTopicRecords reaches it`, async (t) => {
    const { bootstrap } = await startTestBroker(t, { autoCreateTopics: false, log: policy.log });
    const kafka = kafkaClient(bootstrap);
    const admin = await connectedAdmin(t, kafka);
    const producer = await connectedProducer(t, kafka);
    t.true(await admin.createTopics({ topics: [{ topic: 'rywrites', numPartitions: PARTITIONS }], waitForLeaders: true }));
    const ends = Array.from({ length: PARTITIONS }, () => 0);
    for (let round = 0; round < ROUNDS; round++) {
      const partition = round % PARTITIONS;
      const [sent] = await producer.send({ topic: 'rywrites', acks: 1, messages: [{ partition, value: `round-${round}` }, { partition, value: `round-${round}-b` }] });
      t.is(sent?.errorCode, 0);
      t.is(sent?.baseOffset, String(ends[partition]), `round ${round}: base offset`);
      ends[partition]! += 2;

      const offsets = await admin.fetchTopicOffsets('rywrites');
      const mine = offsets.find((o) => o.partition === partition);
      t.is(mine?.high, String(ends[partition]), `round ${round}: partition ${partition}'s end right after the send`);
      t.is(mine?.offset, String(ends[partition]));

      if (round % 4 === 3) {
        await admin.deleteTopicRecords({ topic: 'rywrites', partitions: [{ partition, offset: String(ends[partition]) }] });
        const after = (await admin.fetchTopicOffsets('rywrites')).find((o) => o.partition === partition);
        t.is(after?.low, String(ends[partition]), `round ${round}: records deleted up to the end just written`);
      }
    }
  });
}
