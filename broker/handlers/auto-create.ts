import type { BrokerContext } from '../broker-context.ts';
import type { TopicResult } from '../topics/topic-manager.ts';

/** Creates a topic a client asked for by name, with the broker's defaults, and says so in the log. */
export function autoCreateTopic(broker: BrokerContext, name: string): TopicResult {
  const created = broker.topics.createNow(name, -1, []);
  if (created.ok) {
    broker.logger.info({ topic: name, partitions: created.topic.partitions }, 'auto-created topic');
  }
  return created;
}
