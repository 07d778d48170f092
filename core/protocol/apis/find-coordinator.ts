import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** FindCoordinator: the broker coordinating a group (key type 0) or a transactional id (1). */
export const findCoordinatorApi = {
  apiKey: ApiKey.FIND_COORDINATOR,
  name: 'FindCoordinator',
  validVersions: [0, 2],
  flexibleVersions: 3,
  request: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3' },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
  ],
} as const satisfies MessageDescriptor;

export type FindCoordinatorRequest = MessageValue<typeof findCoordinatorApi.request>;
export type FindCoordinatorResponse = MessageValue<typeof findCoordinatorApi.response>;
