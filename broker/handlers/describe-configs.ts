import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { DescribeConfigsResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { describeTopicConfigs } from '../topics/topic-config.ts';
import type { TopicConfigSource } from '../topics/topic-config.ts';
import { ConfigSource, ResourceType, brokerConfigEntries, brokerResourceProblem, topicResourceProblem, unknownResource } from './config-resources.ts';
import type { Handler } from './handler.ts';

type ResourceResult = DescribeConfigsResponse['results'][number];
type ConfigEntry = ResourceResult['configs'][number];

const SOURCE_CODES: Readonly<Record<TopicConfigSource, number>> = {
  topic: ConfigSource.DYNAMIC_TOPIC_CONFIG,
  broker: ConfigSource.STATIC_BROKER_CONFIG,
  default: ConfigSource.DEFAULT_CONFIG,
};

/**
 * DescribeConfigs: a topic's every Kafka config (override, broker setting or Kafka's default,
 * with the synonyms behind it when asked), or the broker's configs under Kafka's names. Named
 * keys come back in the order asked for, unknown ones are skipped, as Kafka skips them.
 */
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
          const problem = topicResourceProblem(broker, resource.resourceName, false);
          const topic = broker.topics.get(resource.resourceName);
          if (problem !== undefined || topic === undefined) {
            return fail(problem?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, problem?.errorMessage ?? `The topic '${resource.resourceName}' does not exist.`);
          }
          const configs = describeTopicConfigs(topic.configs, broker.topics.logDefaults, resource.configurationKeys).map(
            (entry): ConfigEntry => ({
              name: entry.name,
              value: entry.value,
              readOnly: false,
              isDefault: entry.isDefault,
              configSource: SOURCE_CODES[entry.source],
              isSensitive: false,
              synonyms: request.includeSynonyms ? entry.synonyms.map((s) => ({ name: s.name, value: s.value, source: SOURCE_CODES[s.source] })) : [],
            }),
          );
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
        }
        if (resource.resourceType === ResourceType.BROKER) {
          const problem = brokerResourceProblem(broker, resource.resourceName);
          if (problem !== undefined) return fail(problem.errorCode, problem.errorMessage);
          const all = brokerConfigEntries(broker);
          const keys = resource.configurationKeys;
          const picked = keys === null || keys.length === 0 ? all : [...new Set(keys)].flatMap((key) => all.filter((entry) => entry.name === key));
          const configs = picked.map(
            (entry): ConfigEntry => ({
              name: entry.name,
              value: entry.value,
              readOnly: true,
              isDefault: entry.configSource === ConfigSource.DEFAULT_CONFIG,
              configSource: entry.configSource,
              isSensitive: false,
              synonyms: request.includeSynonyms ? [{ name: entry.name, value: entry.value, source: entry.configSource }] : [],
            }),
          );
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
        }
        const problem = unknownResource(resource.resourceType);
        return fail(problem.errorCode, problem.errorMessage);
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
