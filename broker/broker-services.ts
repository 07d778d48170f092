import type { Scheduler } from '../core/base/index.ts';
import type { BrokerContext } from './broker-context.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import { DelayedFetches } from './fetch/delayed-fetches.ts';
import { PartitionWatch } from './fetch/partition-watch.ts';
import { GroupCoordinator, OffsetsTopic } from './groups/index.ts';
import { createHandlerRegistry } from './handlers/index.ts';
import type { Logger } from './logger.ts';
import { RequestDispatcher } from './net/request-dispatcher.ts';
import { ProducerIdAllocator } from './producers/index.ts';
import type { TopicManager } from './topics/topic-manager.ts';
import { TransactionCoordinator, TransactionStateTopic, writeTransactionMarker } from './transactions/index.ts';

export interface BrokerServices {
  /** What every handler shares. */
  readonly context: BrokerContext;
  /** Long-polling fetches waiting for data. */
  readonly delayed: DelayedFetches;
  /** The handler registry behind one dispatcher, which a listener (or a test, without TCP) feeds. */
  readonly dispatcher: RequestDispatcher;
}

/**
 * Starts what serves requests above the topics: the group and transaction coordinators (each
 * loading its internal topic), the producer id allocator, long-poll fetches and the handler
 * registry. The broker wires this to its listener; tests drive the same services directly.
 */
export function startBrokerServices(parts: {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicManager;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly advertisedPort: () => number;
}): BrokerServices {
  const { config, topics, scheduler, logger } = parts;
  const watch = new PartitionWatch();
  const partitionExists = (topic: string, partition: number): boolean => topics.partition(topic, partition) !== undefined;
  const offsetsTopic = new OffsetsTopic({
    topics,
    partitions: config.groups.offsetsTopicPartitions,
    segmentBytes: config.groups.offsetsTopicSegmentBytes,
    watch,
  });
  const groups = new GroupCoordinator({ offsetsTopic, settings: config.groups, scheduler, logger, partitionExists });
  groups.start();
  const producerIds = ProducerIdAllocator.open(config.dataDir);
  const transactionStateTopic = new TransactionStateTopic({
    topics,
    partitions: config.transactions.stateLogPartitions,
    segmentBytes: config.transactions.stateLogSegmentBytes,
    watch,
  });
  const transactions = new TransactionCoordinator({
    log: transactionStateTopic,
    settings: config.transactions,
    scheduler,
    logger,
    nextProducerId: () => producerIds.next(),
    partitionExists,
    writeMarker: (target, marker) => writeTransactionMarker(topics, groups, watch, scheduler, target, marker),
  });
  transactions.start();
  const delayed = new DelayedFetches(watch, scheduler);
  const context: BrokerContext = {
    config,
    clusterId: parts.clusterId,
    topics,
    watch,
    producerIds,
    groups,
    offsetsTopic,
    transactions,
    transactionStateTopic,
    logger,
    advertisedPort: parts.advertisedPort,
  };
  return { context, delayed, dispatcher: new RequestDispatcher(createHandlerRegistry(context, delayed)) };
}
