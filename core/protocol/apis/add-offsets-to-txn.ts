import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** AddOffsetsToTxn: adds a group's offsets partition to a transaction before TxnOffsetCommit. */
export const addOffsetsToTxnApi = {
  apiKey: ApiKey.ADD_OFFSETS_TO_TXN,
  name: 'AddOffsetsToTxn',
  validVersions: [0, 2],
  flexibleVersions: 3,
  request: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDescriptor;

export type AddOffsetsToTxnRequest = MessageValue<typeof addOffsetsToTxnApi.request>;
export type AddOffsetsToTxnResponse = MessageValue<typeof addOffsetsToTxnApi.response>;
