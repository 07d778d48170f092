import { InternalTopic } from '../coordinator/index.ts';
import type { InternalTopicOptions } from '../coordinator/index.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** transaction.state.log.num.partitions and its segment bytes, the topic manager and the fetch wake-ups. */
export type TransactionStateTopicOptions = Omit<InternalTopicOptions, 'name' | 'transactional'>;

/**
 * `__transaction_state`: every transactional id's state, partitioned by the id. Only the
 * coordinator writes it, outside any transaction, so a decided commit is durable before its
 * markers go out and a restart finishes it.
 */
export class TransactionStateTopic extends InternalTopic {
  constructor(options: TransactionStateTopicOptions) {
    super({ ...options, name: TRANSACTION_STATE_TOPIC, transactional: false });
  }
}
