import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** ListGroups: every group this broker coordinates (state filters arrive in v4). */
export const listGroupsApi = {
  apiKey: ApiKey.LIST_GROUPS,
  name: 'ListGroups',
  validVersions: [0, 2],
  flexibleVersions: 3,
  request: [],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'groups',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

/** v0-2 requests have no fields. */
export type ListGroupsRequest = Record<string, never>;
export type ListGroupsResponse = MessageValue<typeof listGroupsApi.response>;
