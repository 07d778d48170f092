import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** IncrementalAlterConfigs: per-key set/delete/append/subtract; v1 is already flexible. */
export const incrementalAlterConfigsApi = {
  apiKey: ApiKey.INCREMENTAL_ALTER_CONFIGS,
  name: 'IncrementalAlterConfigs',
  validVersions: [0, 1],
  flexibleVersions: 1,
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
            // 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT.
            { name: 'configOperation', type: 'int8', versions: '0+' },
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

export type IncrementalAlterConfigsRequest = MessageValue<typeof incrementalAlterConfigsApi.request>;
export type IncrementalAlterConfigsResponse = MessageValue<typeof incrementalAlterConfigsApi.response>;
