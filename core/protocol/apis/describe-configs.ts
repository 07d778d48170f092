import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** DescribeConfigs: config entries of topics and brokers (resource type 2 topic, 4 broker). */
export const describeConfigsApi = {
  apiKey: ApiKey.DESCRIBE_CONFIGS,
  name: 'DescribeConfigs',
  validVersions: [0, 2],
  flexibleVersions: 4,
  request: [
    {
      name: 'resources',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        // null asks for every key.
        { name: 'configurationKeys', type: 'array', items: 'string', versions: '0+', nullableVersions: '0+' },
      ],
    },
    { name: 'includeSynonyms', type: 'bool', versions: '1+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
            { name: 'readOnly', type: 'bool', versions: '0+' },
            // v0 only; v1+ says the same through configSource.
            { name: 'isDefault', type: 'bool', versions: '0' },
            { name: 'configSource', type: 'int8', versions: '1+', default: -1 },
            { name: 'isSensitive', type: 'bool', versions: '0+' },
            {
              name: 'synonyms',
              type: 'array',
              versions: '1+',
              fields: [
                { name: 'name', type: 'string', versions: '1+' },
                { name: 'value', type: 'string', versions: '1+', nullableVersions: '0+' },
                { name: 'source', type: 'int8', versions: '1+' },
              ],
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDescriptor;

export type DescribeConfigsRequest = MessageValue<typeof describeConfigsApi.request>;
export type DescribeConfigsResponse = MessageValue<typeof describeConfigsApi.response>;
