import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** Heartbeat: keeps a member's session alive; the answer says whether to rejoin. */
export const heartbeatApi = {
  apiKey: ApiKey.HEARTBEAT,
  name: 'Heartbeat',
  validVersions: [0, 3],
  flexibleVersions: 4,
  request: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDescriptor;

export type HeartbeatRequest = MessageValue<typeof heartbeatApi.request>;
export type HeartbeatResponse = MessageValue<typeof heartbeatApi.response>;
