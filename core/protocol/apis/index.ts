import type { MessageInput, MessageValue } from '../message-value.ts';
import type { MessageDescriptor } from '../schema.ts';
import { addOffsetsToTxnApi } from './add-offsets-to-txn.ts';
import { addPartitionsToTxnApi } from './add-partitions-to-txn.ts';
import { alterConfigsApi } from './alter-configs.ts';
import { ApiKey } from './api-key.ts';
import { apiVersionsApi } from './api-versions.ts';
import { createPartitionsApi } from './create-partitions.ts';
import { createTopicsApi } from './create-topics.ts';
import { deleteGroupsApi } from './delete-groups.ts';
import { deleteRecordsApi } from './delete-records.ts';
import { deleteTopicsApi } from './delete-topics.ts';
import { describeConfigsApi } from './describe-configs.ts';
import { describeGroupsApi } from './describe-groups.ts';
import { describeTransactionsApi } from './describe-transactions.ts';
import { endTxnApi } from './end-txn.ts';
import { fetchApi } from './fetch.ts';
import { findCoordinatorApi } from './find-coordinator.ts';
import { heartbeatApi } from './heartbeat.ts';
import { incrementalAlterConfigsApi } from './incremental-alter-configs.ts';
import { initProducerIdApi } from './init-producer-id.ts';
import { joinGroupApi } from './join-group.ts';
import { leaveGroupApi } from './leave-group.ts';
import { listGroupsApi } from './list-groups.ts';
import { listOffsetsApi } from './list-offsets.ts';
import { listTransactionsApi } from './list-transactions.ts';
import { metadataApi } from './metadata.ts';
import { offsetCommitApi } from './offset-commit.ts';
import { offsetFetchApi } from './offset-fetch.ts';
import { produceApi } from './produce.ts';
import { syncGroupApi } from './sync-group.ts';
import { txnOffsetCommitApi } from './txn-offset-commit.ts';

/** Every API Brook describes, keyed by API key. */
export const apiDescriptors = {
  [ApiKey.PRODUCE]: produceApi,
  [ApiKey.FETCH]: fetchApi,
  [ApiKey.LIST_OFFSETS]: listOffsetsApi,
  [ApiKey.METADATA]: metadataApi,
  [ApiKey.OFFSET_COMMIT]: offsetCommitApi,
  [ApiKey.OFFSET_FETCH]: offsetFetchApi,
  [ApiKey.FIND_COORDINATOR]: findCoordinatorApi,
  [ApiKey.JOIN_GROUP]: joinGroupApi,
  [ApiKey.HEARTBEAT]: heartbeatApi,
  [ApiKey.LEAVE_GROUP]: leaveGroupApi,
  [ApiKey.SYNC_GROUP]: syncGroupApi,
  [ApiKey.DESCRIBE_GROUPS]: describeGroupsApi,
  [ApiKey.LIST_GROUPS]: listGroupsApi,
  [ApiKey.API_VERSIONS]: apiVersionsApi,
  [ApiKey.CREATE_TOPICS]: createTopicsApi,
  [ApiKey.DELETE_TOPICS]: deleteTopicsApi,
  [ApiKey.DELETE_RECORDS]: deleteRecordsApi,
  [ApiKey.INIT_PRODUCER_ID]: initProducerIdApi,
  [ApiKey.ADD_PARTITIONS_TO_TXN]: addPartitionsToTxnApi,
  [ApiKey.ADD_OFFSETS_TO_TXN]: addOffsetsToTxnApi,
  [ApiKey.END_TXN]: endTxnApi,
  [ApiKey.TXN_OFFSET_COMMIT]: txnOffsetCommitApi,
  [ApiKey.DESCRIBE_CONFIGS]: describeConfigsApi,
  [ApiKey.ALTER_CONFIGS]: alterConfigsApi,
  [ApiKey.CREATE_PARTITIONS]: createPartitionsApi,
  [ApiKey.DELETE_GROUPS]: deleteGroupsApi,
  [ApiKey.INCREMENTAL_ALTER_CONFIGS]: incrementalAlterConfigsApi,
  [ApiKey.DESCRIBE_TRANSACTIONS]: describeTransactionsApi,
  [ApiKey.LIST_TRANSACTIONS]: listTransactionsApi,
} as const satisfies Record<ApiKey, MessageDescriptor>;

export type ApiDescriptors = typeof apiDescriptors;

/** The decoded request body of an API, e.g. `RequestBody<typeof ApiKey.METADATA>`. */
export type RequestBody<K extends ApiKey> = MessageValue<ApiDescriptors[K]['request']>;
export type ResponseBody<K extends ApiKey> = MessageValue<ApiDescriptors[K]['response']>;
/** What encoding accepts: fields may be left out and are written as defaults. */
export type RequestInput<K extends ApiKey> = MessageInput<ApiDescriptors[K]['request']>;
export type ResponseInput<K extends ApiKey> = MessageInput<ApiDescriptors[K]['response']>;

/** The descriptor for a key read off the wire, or undefined for an API Brook does not describe. */
export function descriptorFor(apiKey: number): MessageDescriptor | undefined {
  return Object.hasOwn(apiDescriptors, apiKey) ? (apiDescriptors as Record<number, MessageDescriptor>)[apiKey] : undefined;
}

export { ApiKey } from './api-key.ts';
export { addOffsetsToTxnApi } from './add-offsets-to-txn.ts';
export type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from './add-offsets-to-txn.ts';
export { addPartitionsToTxnApi } from './add-partitions-to-txn.ts';
export type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from './add-partitions-to-txn.ts';
export { alterConfigsApi } from './alter-configs.ts';
export type { AlterConfigsRequest, AlterConfigsResponse } from './alter-configs.ts';
export { apiVersionsApi } from './api-versions.ts';
export type { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.ts';
export { createPartitionsApi } from './create-partitions.ts';
export type { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions.ts';
export { createTopicsApi } from './create-topics.ts';
export type { CreateTopicsRequest, CreateTopicsResponse } from './create-topics.ts';
export { deleteGroupsApi } from './delete-groups.ts';
export type { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups.ts';
export { deleteRecordsApi } from './delete-records.ts';
export type { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records.ts';
export { deleteTopicsApi } from './delete-topics.ts';
export type { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics.ts';
export { describeConfigsApi } from './describe-configs.ts';
export type { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs.ts';
export { describeGroupsApi } from './describe-groups.ts';
export type { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.ts';
export { describeTransactionsApi } from './describe-transactions.ts';
export type { DescribeTransactionsRequest, DescribeTransactionsResponse } from './describe-transactions.ts';
export { endTxnApi } from './end-txn.ts';
export type { EndTxnRequest, EndTxnResponse } from './end-txn.ts';
export { fetchApi } from './fetch.ts';
export type { FetchRequest, FetchResponse } from './fetch.ts';
export { findCoordinatorApi } from './find-coordinator.ts';
export type { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.ts';
export { heartbeatApi } from './heartbeat.ts';
export type { HeartbeatRequest, HeartbeatResponse } from './heartbeat.ts';
export { incrementalAlterConfigsApi } from './incremental-alter-configs.ts';
export type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './incremental-alter-configs.ts';
export { initProducerIdApi } from './init-producer-id.ts';
export type { InitProducerIdRequest, InitProducerIdResponse } from './init-producer-id.ts';
export { joinGroupApi } from './join-group.ts';
export type { JoinGroupRequest, JoinGroupResponse } from './join-group.ts';
export { leaveGroupApi } from './leave-group.ts';
export type { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.ts';
export { listGroupsApi } from './list-groups.ts';
export type { ListGroupsRequest, ListGroupsResponse } from './list-groups.ts';
export { listOffsetsApi } from './list-offsets.ts';
export type { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.ts';
export { listTransactionsApi } from './list-transactions.ts';
export type { ListTransactionsRequest, ListTransactionsResponse } from './list-transactions.ts';
export { metadataApi } from './metadata.ts';
export type { MetadataRequest, MetadataResponse } from './metadata.ts';
export { offsetCommitApi } from './offset-commit.ts';
export type { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit.ts';
export { offsetFetchApi } from './offset-fetch.ts';
export type { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.ts';
export { produceApi } from './produce.ts';
export type { ProduceRequest, ProduceResponse } from './produce.ts';
export { syncGroupApi } from './sync-group.ts';
export type { SyncGroupRequest, SyncGroupResponse } from './sync-group.ts';
export { txnOffsetCommitApi } from './txn-offset-commit.ts';
export type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from './txn-offset-commit.ts';
