import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** InitProducerId: a producer id and epoch for idempotence (null transactional id) or transactions. */
export const initProducerIdApi = {
  apiKey: ApiKey.INIT_PRODUCER_ID,
  name: 'InitProducerId',
  validVersions: [0, 1],
  flexibleVersions: 2,
  request: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1n },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDescriptor;

export type InitProducerIdRequest = MessageValue<typeof initProducerIdApi.request>;
export type InitProducerIdResponse = MessageValue<typeof initProducerIdApi.response>;
