import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

const topicFields = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'partitions', type: 'array', items: 'int32', versions: '0+' },
] as const;

const topicResultFields = [
  { name: 'name', type: 'string', versions: '0+' },
  {
    name: 'resultsByPartition',
    type: 'array',
    versions: '0+',
    fields: [
      { name: 'partitionIndex', type: 'int32', versions: '0+' },
      { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
    ],
  },
] as const;

/** AddPartitionsToTxn: a transactional producer registers partitions before producing to them. */
export const addPartitionsToTxnApi = {
  apiKey: ApiKey.ADD_PARTITIONS_TO_TXN,
  name: 'AddPartitionsToTxn',
  validVersions: [0, 2],
  flexibleVersions: 3,
  request: [
    { name: 'v3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'v3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'v3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    { name: 'v3AndBelowTopics', type: 'array', versions: '0-3', fields: topicFields },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'resultsByTopicV3AndBelow', type: 'array', versions: '0-3', fields: topicResultFields },
  ],
} as const satisfies MessageDescriptor;

export type AddPartitionsToTxnRequest = MessageValue<typeof addPartitionsToTxnApi.request>;
export type AddPartitionsToTxnResponse = MessageValue<typeof addPartitionsToTxnApi.response>;
