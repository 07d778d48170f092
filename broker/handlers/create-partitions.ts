import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function createPartitionsHandler(broker: BrokerContext): Handler<typeof ApiKey.CREATE_PARTITIONS> {
  return {
    apiKey: ApiKey.CREATE_PARTITIONS,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      const results = request.topics.map((topic) => {
        const result = broker.topics.addPartitions(topic.name, topic.count, request.validateOnly);
        if (!result.ok) return { name: topic.name, errorCode: result.errorCode, errorMessage: result.message };
        if (!request.validateOnly) broker.logger.info({ topic: topic.name, partitions: topic.count }, 'added partitions');
        return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
