import { DEFAULT_LOG_CONFIG } from '../../core/log/index.ts';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { DescribeConfigsResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { describeTopicConfigs } from '../topics/topic-config.ts';
import { ConfigSource, ResourceType, brokerConfigEntries, brokerResourceProblem, unknownResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

type ResourceResult = DescribeConfigsResponse['results'][number];
type ConfigEntry = ResourceResult['configs'][number];

export function describeConfigsHandler(broker: BrokerContext): Handler<typeof ApiKey.DESCRIBE_CONFIGS> {
  return {
    apiKey: ApiKey.DESCRIBE_CONFIGS,
    minVersion: 0,
    maxVersion: 2,
    handle(request) {
      const results = request.resources.map((resource): ResourceResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const fail = (errorCode: number, errorMessage: string): ResourceResult => ({ ...base, errorCode, errorMessage, configs: [] });
        if (resource.resourceType === ResourceType.TOPIC) {
          const topic = broker.topics.get(resource.resourceName);
          if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
          // A value that differs from Kafka's own default was set in the broker's config.
          const kafkaDefaults = new Map(describeTopicConfigs({}, DEFAULT_LOG_CONFIG).map((entry) => [entry.name, entry.value]));
          const configs = describeTopicConfigs(topic.configs, broker.topics.logDefaults, resource.configurationKeys).map(
            (entry): ConfigEntry => {
              const fromBroker = entry.source !== 'topic' && kafkaDefaults.get(entry.name) !== entry.value;
              const source =
                entry.source === 'topic' ? ConfigSource.DYNAMIC_TOPIC_CONFIG : fromBroker ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
              return {
                name: entry.name,
                value: entry.value,
                readOnly: false,
                isDefault: source === ConfigSource.DEFAULT_CONFIG,
                configSource: source,
                isSensitive: false,
                synonyms: request.includeSynonyms ? [{ name: entry.name, value: entry.value, source }] : [],
              };
            },
          );
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
        }
        if (resource.resourceType === ResourceType.BROKER) {
          const problem = brokerResourceProblem(broker, resource.resourceName);
          if (problem !== undefined) return fail(problem.errorCode, problem.errorMessage);
          const wanted = resource.configurationKeys;
          const configs = brokerConfigEntries(broker)
            .filter((entry) => wanted === null || wanted.includes(entry.name))
            .map((entry): ConfigEntry => ({
              ...entry,
              readOnly: true,
              isDefault: false,
              configSource: ConfigSource.STATIC_BROKER_CONFIG,
              isSensitive: false,
              synonyms: [],
            }));
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
        }
        const problem = unknownResource(resource.resourceType);
        return fail(problem.errorCode, problem.errorMessage);
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
