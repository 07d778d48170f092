import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { applyIncrementalAlter } from '../topics/topic-config.ts';
import { alterResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

/** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT applied to the topic's current overrides. */
export function incrementalAlterConfigsHandler(broker: BrokerContext): Handler<typeof ApiKey.INCREMENTAL_ALTER_CONFIGS> {
  return {
    apiKey: ApiKey.INCREMENTAL_ALTER_CONFIGS,
    minVersion: 0,
    maxVersion: 1,
    async handle(request) {
      const responses = await Promise.all(request.resources.map((resource) =>
        alterResource(broker, resource, request.validateOnly, (current) =>
          applyIncrementalAlter(
            current,
            resource.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
            broker.topics.logDefaults,
          ),
        ),
      ));
      return { throttleTimeMs: 0, responses };
    },
  };
}
