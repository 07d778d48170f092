import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { MetadataResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { topicNameProblem } from '../topics/topic-name.ts';
import { autoCreateTopic } from './auto-create.ts';
import type { Handler } from './handler.ts';

type TopicEntry = MetadataResponse['topics'][number];

/** Metadata: this one broker, which is also the controller, leads every partition. */
export function metadataHandler(broker: BrokerContext): Handler<typeof ApiKey.METADATA> {
  return {
    apiKey: ApiKey.METADATA,
    minVersion: 0,
    maxVersion: 8,
    handle(request, version) {
      const nodeId = broker.config.nodeId;
      // v0 has no null: an empty list means every topic. From v1 on, null means every topic.
      const everyTopic = request.topics === null || (version === 0 && request.topics.length === 0);
      const names = everyTopic ? broker.topics.list().map((t) => t.name) : request.topics!.map((t) => t.name);
      const mayCreate = broker.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
      const topics = names.map((name): TopicEntry => {
        let info = broker.topics.get(name);
        if (info === undefined && mayCreate && !everyTopic) {
          const created = autoCreateTopic(broker, name);
          if (!created.ok) return topicError(name, created.errorCode);
          info = created.topic;
        }
        if (info === undefined) {
          // Kafka names an illegal topic as such even when it would not have created it.
          const illegal = topicNameProblem(name) !== undefined;
          return topicError(name, illegal ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        const partitions = [];
        for (let p = 0; p < info.partitions; p++) {
          const offline = broker.topics.isOffline(name, p);
          partitions.push({
            errorCode: offline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE,
            partitionIndex: p,
            leaderId: offline ? -1 : nodeId,
            leaderEpoch: 0,
            replicaNodes: [nodeId],
            isrNodes: offline ? [] : [nodeId],
            offlineReplicas: offline ? [nodeId] : [],
          });
        }
        return {
          errorCode: ErrorCode.NONE,
          name,
          isInternal: name.startsWith('__'),
          partitions,
          topicAuthorizedOperations: -2147483648,
        };
      });
      return {
        throttleTimeMs: 0,
        brokers: [{ nodeId, host: broker.config.advertisedHost, port: broker.advertisedPort(), rack: null }],
        clusterId: broker.clusterId,
        controllerId: nodeId,
        topics,
        clusterAuthorizedOperations: -2147483648,
      };
    },
  };
}

function topicError(name: string, errorCode: number): TopicEntry {
  return { errorCode, name, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}
