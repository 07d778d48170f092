import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** ListTransactions (KIP-664): the transactional ids a coordinator holds, filtered by state and producer id; flexible from v0. */
export const listTransactionsApi = {
  apiKey: ApiKey.LIST_TRANSACTIONS,
  name: 'ListTransactions',
  validVersions: [0, 0],
  flexibleVersions: 0,
  request: [
    // Empty filters match everything.
    { name: 'stateFilters', type: 'array', versions: '0+', items: 'string' },
    { name: 'producerIdFilters', type: 'array', versions: '0+', items: 'int64' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'unknownStateFilters', type: 'array', versions: '0+', items: 'string' },
    {
      name: 'transactionStates',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '0+' },
        { name: 'producerId', type: 'int64', versions: '0+' },
        { name: 'transactionState', type: 'string', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type ListTransactionsRequest = MessageValue<typeof listTransactionsApi.request>;
export type ListTransactionsResponse = MessageValue<typeof listTransactionsApi.response>;
