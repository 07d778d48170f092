/**
 * What the consumer-group integration tests start from: a broker whose group coordinator
 * rebalances at once, a topic, and a way to produce rounds of records while keeping the log end
 * of every partition.
 */
import type { ExecutionContext } from 'ava';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { LogLine } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';

const GROUP_BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 } };

export interface GroupFixture {
  readonly bootstrap: string;
  readonly logs: LogLine[];
  readonly wire: WireClient;
  /** Produces one round: five records to every partition of the topic. */
  readonly send: () => Promise<void>;
  /** Log end offset of every partition, in partition order, as `send` has moved it. */
  readonly ends: number[];
}

export async function startGroupFixture(t: ExecutionContext, topic: string, partitions: number): Promise<GroupFixture> {
  const { port, bootstrap, logs } = await startTestBroker(t, GROUP_BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, topic, partitions);
  const ends = Array.from({ length: partitions }, () => 0);
  let round = 0;
  const send = async (): Promise<void> => {
    round++;
    for (let p = 0; p < partitions; p++) {
      const values = Array.from({ length: 5 }, (_, i) => `r${round}-p${p}-${i}`);
      const result = await produce(wire, topic, p, valuesBatch(values));
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`produce to ${topic}/${p} failed with ${result.errorCode}`);
      ends[p] = (ends[p] ?? 0) + values.length;
    }
  };
  return { bootstrap, logs, wire, send, ends };
}
