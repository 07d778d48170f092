import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function deleteTopicsHandler(broker: BrokerContext): Handler<typeof ApiKey.DELETE_TOPICS> {
  return {
    apiKey: ApiKey.DELETE_TOPICS,
    minVersion: 0,
    maxVersion: 3,
    async handle(request) {
      // Decided together, so their catalogue changes share one file write.
      const responses = await Promise.all(
        request.topicNames.map(async (name) => {
          const result = await broker.topics.delete(name);
          if (result.ok) broker.logger.info({ topic: name }, 'deleted topic');
          return { name, errorCode: result.ok ? ErrorCode.NONE : result.errorCode };
        }),
      );
      return { throttleTimeMs: 0, responses };
    },
  };
}
