import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** EndTxn: commits or aborts the producer's open transaction. */
export const endTxnApi = {
  apiKey: ApiKey.END_TXN,
  name: 'EndTxn',
  validVersions: [0, 2],
  flexibleVersions: 3,
  request: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'committed', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDescriptor;

export type EndTxnRequest = MessageValue<typeof endTxnApi.request>;
export type EndTxnResponse = MessageValue<typeof endTxnApi.response>;
