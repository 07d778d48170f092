import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** SyncGroup: the leader hands out assignments; every member receives its own. */
export const syncGroupApi = {
  apiKey: ApiKey.SYNC_GROUP,
  name: 'SyncGroup',
  validVersions: [0, 3],
  flexibleVersions: 4,
  request: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
    {
      name: 'assignments',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
} as const satisfies MessageDescriptor;

export type SyncGroupRequest = MessageValue<typeof syncGroupApi.request>;
export type SyncGroupResponse = MessageValue<typeof syncGroupApi.response>;
