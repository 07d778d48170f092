import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { applyIncrementalAlter } from '../topics/topic-config.ts';
import { ResourceType, STATIC_BROKER_CONFIGS, brokerResourceProblem, unknownResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

/** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT applied to the topic's current overrides. */
export function incrementalAlterConfigsHandler(broker: BrokerContext): Handler<typeof ApiKey.INCREMENTAL_ALTER_CONFIGS> {
  return {
    apiKey: ApiKey.INCREMENTAL_ALTER_CONFIGS,
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
        const topic = broker.topics.get(resource.resourceName);
        if (topic === undefined) {
          return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resource.resourceName}' does not exist.` };
        }
        const ops = resource.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value }));
        const applied = applyIncrementalAlter(topic.configs, ops, broker.topics.logDefaults);
        if (!applied.ok) return { ...base, errorCode: applied.errorCode, errorMessage: applied.message };
        const result = broker.topics.setConfigs(resource.resourceName, applied.configs, request.validateOnly);
        if (!result.ok) return { ...base, errorCode: result.errorCode, errorMessage: result.message };
        if (!request.validateOnly) broker.logger.info({ topic: resource.resourceName, configs: applied.configs }, 'altered topic configs');
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}
