import type { SourceConnectorPlugin, SourceTask } from '../../../../../connect/api/index.ts';

/** A source plugin that only validates: for config and transform tests. */
export const countingLikePlugin: SourceConnectorPlugin = {
  className: 'counting',
  aliases: ['org.example.CountingConnector'],
  type: 'source',
  version: '1',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['topic'],
    properties: {
      topic: { type: 'string', minLength: 1, description: 'Where to write.' },
      'batch.size': { type: 'integer', minimum: 1, default: 2000 },
      'db.password': { type: 'string', writeOnly: true },
    },
  },
  create: () => ({
    initialize: () => undefined,
    start: () => undefined,
    taskConfigs: () => [],
    stop: () => undefined,
    taskClass: (): new () => SourceTask => {
      throw new Error('not runnable');
    },
  }),
};
