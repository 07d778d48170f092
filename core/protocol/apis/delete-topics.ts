import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** DeleteTopics by name (topic ids arrive in v6, beyond what Brook describes). */
export const deleteTopicsApi = {
  apiKey: ApiKey.DELETE_TOPICS,
  name: 'DeleteTopics',
  validVersions: [0, 3],
  flexibleVersions: 4,
  request: [
    { name: 'topicNames', type: 'array', items: 'string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'responses',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type DeleteTopicsRequest = MessageValue<typeof deleteTopicsApi.request>;
export type DeleteTopicsResponse = MessageValue<typeof deleteTopicsApi.response>;
