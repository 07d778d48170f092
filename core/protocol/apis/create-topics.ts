import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** CreateTopics: partitions, replication factor, explicit assignments and configs per topic. */
export const createTopicsApi = {
  apiKey: ApiKey.CREATE_TOPICS,
  name: 'CreateTopics',
  validVersions: [0, 4],
  flexibleVersions: 5,
  request: [
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'numPartitions', type: 'int32', versions: '0+' },
        { name: 'replicationFactor', type: 'int16', versions: '0+' },
        {
          name: 'assignments',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'brokerIds', type: 'array', items: 'int32', versions: '0+' },
          ],
        },
        {
          name: 'configs',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    { name: 'validateOnly', type: 'bool', versions: '1+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '1+', nullableVersions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type CreateTopicsRequest = MessageValue<typeof createTopicsApi.request>;
export type CreateTopicsResponse = MessageValue<typeof createTopicsApi.response>;
