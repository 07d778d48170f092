import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { validateTopicConfigs } from '../topics/topic-config.ts';
import { alterResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

/** AlterConfigs (the legacy API): the given set replaces every override the topic had. */
export function alterConfigsHandler(broker: BrokerContext): Handler<typeof ApiKey.ALTER_CONFIGS> {
  return {
    apiKey: ApiKey.ALTER_CONFIGS,
    minVersion: 0,
    maxVersion: 1,
    async handle(request) {
      const responses = await Promise.all(request.resources.map((resource) =>
        alterResource(broker, resource, request.validateOnly, () => validateTopicConfigs(resource.configs)),
      ));
      return { throttleTimeMs: 0, responses };
    },
  };
}
