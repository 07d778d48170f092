import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { TxnState } from '../transactions/index.ts';
import type { Handler } from './handler.ts';

const KNOWN_STATES: ReadonlySet<string> = new Set(Object.values(TxnState));

/**
 * ListTransactions v0 (KIP-664): every transactional id the coordinator holds. Empty filters
 * match all; a state filter naming no state is echoed in `unknownStateFilters`, as Kafka does,
 * and the known ones still apply.
 */
export function listTransactionsHandler(broker: BrokerContext): Handler<typeof ApiKey.LIST_TRANSACTIONS> {
  return {
    apiKey: ApiKey.LIST_TRANSACTIONS,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      const unknownStateFilters = request.stateFilters.filter((s) => !KNOWN_STATES.has(s));
      const states = new Set(request.stateFilters);
      const producerIds = new Set(request.producerIdFilters);
      const transactionStates = broker.transactions
        .list()
        .filter((t) => (states.size === 0 || states.has(t.state)) && (producerIds.size === 0 || producerIds.has(t.producerId)))
        .sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0))
        .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
    },
  };
}
