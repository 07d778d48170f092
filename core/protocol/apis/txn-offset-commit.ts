import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** TxnOffsetCommit: offsets committed as part of a transaction, visible once it commits; v3 is flexible and carries the group member (KIP-447). */
export const txnOffsetCommitApi = {
  apiKey: ApiKey.TXN_OFFSET_COMMIT,
  name: 'TxnOffsetCommit',
  validVersions: [0, 3],
  flexibleVersions: 3,
  request: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    // KIP-447: the consumer's group membership, so the group coordinator can fence a zombie.
    { name: 'generationId', type: 'int32', versions: '3+', default: -1 },
    { name: 'memberId', type: 'string', versions: '3+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '2+', default: -1 },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type TxnOffsetCommitRequest = MessageValue<typeof txnOffsetCommitApi.request>;
export type TxnOffsetCommitResponse = MessageValue<typeof txnOffsetCommitApi.response>;
