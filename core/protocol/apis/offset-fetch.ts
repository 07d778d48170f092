import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** OffsetFetch: a group's committed positions (one group per request up to v7). */
export const offsetFetchApi = {
  apiKey: ApiKey.OFFSET_FETCH,
  name: 'OffsetFetch',
  validVersions: [0, 5],
  flexibleVersions: 6,
  request: [
    { name: 'groupId', type: 'string', versions: '0-7' },
    {
      // v2+: null asks for every partition the group has committed.
      name: 'topics',
      type: 'array',
      versions: '0-7',
      nullableVersions: '2-7',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        { name: 'partitionIndexes', type: 'array', items: 'int32', versions: '0-7' },
      ],
    },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'topics',
      type: 'array',
      versions: '0-7',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        {
          name: 'partitions',
          type: 'array',
          versions: '0-7',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0-7' },
            { name: 'committedOffset', type: 'int64', versions: '0-7' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '5-7', default: -1 },
            { name: 'metadata', type: 'string', versions: '0-7', nullableVersions: '0-7' },
            { name: 'errorCode', type: 'int16', versions: '0-7' },
          ],
        },
      ],
    },
    { name: 'errorCode', type: 'int16', versions: '2-7' },
  ],
} as const satisfies MessageDescriptor;

export type OffsetFetchRequest = MessageValue<typeof offsetFetchApi.request>;
export type OffsetFetchResponse = MessageValue<typeof offsetFetchApi.response>;
