import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** DeleteGroups: removes empty groups and their committed offsets. */
export const deleteGroupsApi = {
  apiKey: ApiKey.DELETE_GROUPS,
  name: 'DeleteGroups',
  validVersions: [0, 1],
  flexibleVersions: 2,
  request: [{ name: 'groupsNames', type: 'array', items: 'string', versions: '0+' }],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type DeleteGroupsRequest = MessageValue<typeof deleteGroupsApi.request>;
export type DeleteGroupsResponse = MessageValue<typeof deleteGroupsApi.response>;
