import type { MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { ApiKey } from './api-key.ts';

/** Metadata: brokers, controller, topics and partition leaders; may auto-create topics. */
export const metadataApi = {
  apiKey: ApiKey.METADATA,
  name: 'Metadata',
  validVersions: [0, 8],
  flexibleVersions: 9,
  request: [
    {
      // v0: an empty array means every topic; v1+: null means every topic, [] means none.
      name: 'topics',
      type: 'array',
      versions: '0+',
      nullableVersions: '1+',
      fields: [{ name: 'name', type: 'string', versions: '0+' }],
    },
    // Before v4 a Metadata request always allowed auto-creation.
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
  response: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'brokers',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+' },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+' },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1 },
    {
      name: 'topics',
      type: 'array',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'isInternal', type: 'bool', versions: '1+' },
        {
          name: 'partitions',
          type: 'array',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1 },
            { name: 'replicaNodes', type: 'array', items: 'int32', versions: '0+' },
            { name: 'isrNodes', type: 'array', items: 'int32', versions: '0+' },
            { name: 'offlineReplicas', type: 'array', items: 'int32', versions: '5+' },
          ],
        },
        { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: -2147483648 },
  ],
} as const satisfies MessageDescriptor;

export type MetadataRequest = MessageValue<typeof metadataApi.request>;
export type MetadataResponse = MessageValue<typeof metadataApi.response>;
