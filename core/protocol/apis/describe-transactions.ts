import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** DescribeTransactions (KIP-664): each named transactional id's state, producer and partitions; flexible from v0. */
export const describeTransactionsApi = {
  apiKey: ApiKey.DESCRIBE_TRANSACTIONS,
  name: 'DescribeTransactions',
  validVersions: [0, 0],
  flexibleVersions: 0,
  request: [{ name: 'transactionalIds', type: 'array', versions: '0+', items: 'string' }],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'transactionStates',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'transactionalId', type: 'string', versions: '0+' },
        { name: 'transactionState', type: 'string', versions: '0+' },
        { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
        { name: 'transactionStartTimeMs', type: 'int64', versions: '0+' },
        { name: 'producerId', type: 'int64', versions: '0+' },
        { name: 'producerEpoch', type: 'int16', versions: '0+' },
        {
          // While markers are being written, the partitions still waiting for theirs.
          name: 'topics',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'topic', type: 'string', versions: '0+' },
            { name: 'partitions', type: 'array', versions: '0+', items: 'int32' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type DescribeTransactionsRequest = MessageValue<typeof describeTransactionsApi.request>;
export type DescribeTransactionsResponse = MessageValue<typeof describeTransactionsApi.response>;
