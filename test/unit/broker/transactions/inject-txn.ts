import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';
import { pollUntil } from '../../../helpers/wait-for.ts';

/** Transactional steps over the inject helper, as a producer sends them, for the broker-side unit tests. */

export interface TxnProducer {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export async function createTopic(broker: InjectedBroker, name: string, numPartitions: number): Promise<void> {
  const response = await broker.inject(ApiKey.CREATE_TOPICS, 4, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
  const errorCode = response.topics[0]?.errorCode;
  if (errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: error ${errorCode}`);
}

/** InitProducerId, asked again while a fenced transaction is being aborted (its markers take real I/O). */
export async function initProducer(broker: InjectedBroker, transactionalId: string, transactionTimeoutMs = 60_000): Promise<TxnProducer> {
  const response = await pollUntil(
    async () => {
      const answer = await broker.inject(ApiKey.INIT_PRODUCER_ID, 1, { transactionalId, transactionTimeoutMs });
      if (answer.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) await broker.scheduler.tick(10);
      return answer;
    },
    (answer) => answer.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS,
    `InitProducerId ${transactionalId} past CONCURRENT_TRANSACTIONS`,
  );
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId ${transactionalId}: error ${response.errorCode}`);
  return { transactionalId, producerId: response.producerId, producerEpoch: response.producerEpoch };
}

export async function addPartitions(broker: InjectedBroker, p: TxnProducer, topic: string, partitions: readonly number[]): Promise<number[]> {
  const response = await broker.inject(ApiKey.ADD_PARTITIONS_TO_TXN, 2, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [...partitions] }],
  });
  return response.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((r) => r.partitionErrorCode));
}

export async function addOffsets(broker: InjectedBroker, p: TxnProducer, groupId: string): Promise<number> {
  return (await broker.inject(ApiKey.ADD_OFFSETS_TO_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId })).errorCode;
}

export async function endTxn(broker: InjectedBroker, p: TxnProducer, committed: boolean): Promise<number> {
  return (await broker.inject(ApiKey.END_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed })).errorCode;
}

/**
 * Steps virtual time until the transaction's markers are in and its Complete state written.
 * Markers wait for real fsyncs too, so the steps are spaced by pollUntil's real pauses.
 */
export async function settleTxn(broker: InjectedBroker, transactionalId: string): Promise<void> {
  const preparing = (): boolean => {
    const state = broker.context.transactions.describe(transactionalId)?.state;
    return state === 'PrepareCommit' || state === 'PrepareAbort';
  };
  await pollUntil(
    async () => {
      if (preparing()) await broker.scheduler.tick(10);
      return preparing();
    },
    (still) => !still,
    `transaction ${transactionalId} completes`,
  );
}

/** Steps virtual time (spaced by real pauses, for the fsyncs) until the transactional id is in `state`. */
export async function untilState(broker: InjectedBroker, transactionalId: string, state: string): Promise<void> {
  const current = (): string | undefined => broker.context.transactions.describe(transactionalId)?.state;
  await pollUntil(
    async () => {
      if (current() !== state) await broker.scheduler.tick(10);
      return current();
    },
    (now) => now === state,
    `transaction ${transactionalId} reaches ${state}`,
  );
}
