import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function deleteTopicsHandler(broker: BrokerContext): Handler<typeof ApiKey.DELETE_TOPICS> {
  return {
    apiKey: ApiKey.DELETE_TOPICS,
    minVersion: 0,
    maxVersion: 3,
    async handle(request) {
      const responses = [];
      for (const name of request.topicNames) {
        const result = await broker.topics.delete(name);
        if (result.ok) broker.logger.info({ topic: name }, 'deleted topic');
        responses.push({ name, errorCode: result.ok ? ErrorCode.NONE : result.errorCode });
      }
      return { throttleTimeMs: 0, responses };
    },
  };
}
