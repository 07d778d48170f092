import type { BrokerContext } from '../broker-context.ts';
import type { DelayedFetches } from '../fetch/delayed-fetches.ts';
import { alterConfigsHandler } from './alter-configs.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { createPartitionsHandler } from './create-partitions.ts';
import { deleteGroupsHandler } from './delete-groups.ts';
import { describeGroupsHandler } from './describe-groups.ts';
import { describeTransactionsHandler } from './describe-transactions.ts';
import { heartbeatHandler } from './heartbeat.ts';
import { joinGroupHandler } from './join-group.ts';
import { leaveGroupHandler } from './leave-group.ts';
import { listGroupsHandler } from './list-groups.ts';
import { offsetCommitHandler } from './offset-commit.ts';
import { offsetFetchHandler } from './offset-fetch.ts';
import { syncGroupHandler } from './sync-group.ts';
import { createTopicsHandler } from './create-topics.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { deleteTopicsHandler } from './delete-topics.ts';
import { describeConfigsHandler } from './describe-configs.ts';
import { fetchHandler } from './fetch.ts';
import { findCoordinatorHandler } from './find-coordinator.ts';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.ts';
import { initProducerIdHandler } from './init-producer-id.ts';
import { addOffsetsToTxnHandler, addPartitionsToTxnHandler, endTxnHandler, txnOffsetCommitHandler } from './transactions.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { listTransactionsHandler } from './list-transactions.ts';
import { metadataHandler } from './metadata.ts';
import { produceHandler } from './produce.ts';
import { HandlerRegistry } from './registry.ts';

/** Every API the broker answers; ApiVersions advertises exactly these. */
export function createHandlerRegistry(broker: BrokerContext, delayed: DelayedFetches): HandlerRegistry {
  const registry = new HandlerRegistry();
  return registry
    .register(apiVersionsHandler(registry))
    .register(metadataHandler(broker))
    .register(produceHandler(broker))
    .register(fetchHandler(broker, delayed))
    .register(listOffsetsHandler(broker))
    .register(createTopicsHandler(broker))
    .register(deleteTopicsHandler(broker))
    .register(createPartitionsHandler(broker))
    .register(deleteRecordsHandler(broker))
    .register(describeConfigsHandler(broker))
    .register(alterConfigsHandler(broker))
    .register(incrementalAlterConfigsHandler(broker))
    .register(initProducerIdHandler(broker))
    .register(addPartitionsToTxnHandler(broker))
    .register(addOffsetsToTxnHandler(broker))
    .register(endTxnHandler(broker))
    .register(txnOffsetCommitHandler(broker))
    .register(describeTransactionsHandler(broker))
    .register(listTransactionsHandler(broker))
    .register(findCoordinatorHandler(broker))
    .register(joinGroupHandler(broker))
    .register(syncGroupHandler(broker))
    .register(heartbeatHandler(broker))
    .register(leaveGroupHandler(broker))
    .register(offsetCommitHandler(broker))
    .register(offsetFetchHandler(broker))
    .register(describeGroupsHandler(broker))
    .register(listGroupsHandler(broker))
    .register(deleteGroupsHandler(broker));
}

export { HandlerRegistry } from './registry.ts';
export type { AdvertisedApi } from './registry.ts';
export type { Handler, HandlerOutcome, RequestContext } from './handler.ts';
