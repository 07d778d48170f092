import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** AlterConfigs: replaces a resource's whole config set (unlisted keys revert to defaults). */
export const alterConfigsApi = {
  apiKey: ApiKey.ALTER_CONFIGS,
  name: 'AlterConfigs',
  validVersions: [0, 1],
  flexibleVersions: 2,
  request: [
    {
      name: 'resources',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
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
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'responses',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type AlterConfigsRequest = MessageValue<typeof alterConfigsApi.request>;
export type AlterConfigsResponse = MessageValue<typeof alterConfigsApi.response>;
