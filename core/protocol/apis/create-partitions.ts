import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** CreatePartitions: raises a topic's partition count to `count`. */
export const createPartitionsApi = {
  apiKey: ApiKey.CREATE_PARTITIONS,
  name: 'CreatePartitions',
  validVersions: [0, 1],
  flexibleVersions: 2,
  request: [
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'count', type: 'int32', versions: '0+' },
        {
          // null lets the broker place the new partitions.
          name: 'assignments',
          type: 'array',
          versions: '0+',
          nullableVersions: '0+',
          fields: [{ name: 'brokerIds', type: 'array', items: 'int32', versions: '0+' }],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type CreatePartitionsRequest = MessageValue<typeof createPartitionsApi.request>;
export type CreatePartitionsResponse = MessageValue<typeof createPartitionsApi.response>;
