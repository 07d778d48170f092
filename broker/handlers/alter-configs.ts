import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { validateTopicConfigs } from '../topics/topic-config.ts';
import { ResourceType, STATIC_BROKER_CONFIGS, brokerResourceProblem, unknownResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

/** AlterConfigs (the legacy API): the given set replaces every override the topic had. */
export function alterConfigsHandler(broker: BrokerContext): Handler<typeof ApiKey.ALTER_CONFIGS> {
  return {
    apiKey: ApiKey.ALTER_CONFIGS,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      const responses = request.resources.map((resource) => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        if (resource.resourceType === ResourceType.BROKER) {
          const problem = brokerResourceProblem(broker, resource.resourceName) ?? STATIC_BROKER_CONFIGS;
          return { ...base, ...problem };
        }
        if (resource.resourceType !== ResourceType.TOPIC) return { ...base, ...unknownResource(resource.resourceType) };
        const validated = validateTopicConfigs(resource.configs);
        if (!validated.ok) return { ...base, errorCode: validated.errorCode, errorMessage: validated.message };
        const result = broker.topics.setConfigs(resource.resourceName, validated.configs, request.validateOnly);
        if (!result.ok) return { ...base, errorCode: result.errorCode, errorMessage: result.message };
        if (!request.validateOnly) broker.logger.info({ topic: resource.resourceName, configs: validated.configs }, 'altered topic configs');
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}
