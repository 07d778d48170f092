import type { GroupCoordinator, OffsetsTopic } from './groups/index.ts';
import type { ProducerIdAllocator } from './producers/index.ts';
import type { PartitionWatch } from './fetch/partition-watch.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import type { Logger } from './logger.ts';
import type { TopicManager } from './topics/topic-manager.ts';
import type { TransactionCoordinator, TransactionStateTopic } from './transactions/index.ts';

/** What handlers share: the broker's settings and services. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicManager;
  readonly watch: PartitionWatch;
  readonly producerIds: ProducerIdAllocator;
  readonly groups: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  readonly transactions: TransactionCoordinator;
  readonly transactionStateTopic: TransactionStateTopic;
  readonly logger: Logger;
  /** The port clients are told to connect to (known once the listener is bound). */
  advertisedPort(): number;
}
