/**
 * kafkajs 2.2.4's own request encoders and response decoders, used as an independent
 * implementation of the wire protocol to cross-check Brook's codec. These are kafkajs
 * internals (CommonJS, untyped); this file gives them the narrow types the tests use.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What `requests/<api>/v<N>/request.js` returns. */
export interface KafkajsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
}

interface KafkajsEncoder {
  readonly buffer: Buffer;
}

type RequestFactory<A> = (args: A) => KafkajsRequest;

const encodeFrame = require('kafkajs/src/protocol/request') as (args: {
  correlationId: number;
  clientId: string;
  request: KafkajsRequest;
}) => Promise<KafkajsEncoder>;

/** A whole request frame (size prefix, header v1, body) as kafkajs sends it. */
export async function kafkajsFrame(request: KafkajsRequest, correlationId = 1, clientId = 'kafkajs'): Promise<Buffer> {
  return (await encodeFrame({ correlationId, clientId, request })).buffer;
}

function requestFactory<A>(api: string, version: number): RequestFactory<A> {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/request`) as RequestFactory<A>;
}

/** kafkajs decodes a response body: the payload after the correlation id. */
function responseDecoder<R>(api: string, version: number): (payload: Buffer) => Promise<R> {
  const module = require(`kafkajs/src/protocol/requests/${api}/v${version}/response`) as {
    decode: (payload: Buffer) => Promise<R>;
  };
  return module.decode;
}

export const metadataV6Request = requestFactory<{ topics: string[]; allowAutoTopicCreation: boolean }>('metadata', 6);

export interface KafkajsMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers?: Record<string, Buffer>;
}

export const produceV3Request = requestFactory<{
  acks: number;
  timeout: number;
  transactionalId: string | null;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: KafkajsMessage[] }[] }[];
}>('produce', 3);

export const fetchV11Request = requestFactory<{
  replicaId: number;
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  rackId: string;
  topics: { topic: string; partitions: { partition: number; currentLeaderEpoch?: number; fetchOffset: string; logStartOffset?: number; maxBytes: number }[] }[];
  forgottenTopics: { topic: string; partitions: number[] }[];
}>('fetch', 11);

export const joinGroupV5Request = requestFactory<{
  groupId: string;
  sessionTimeout: number;
  rebalanceTimeout: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  groupProtocols: { name: string; metadata: Buffer }[];
}>('joinGroup', 5);

export const offsetCommitV5Request = requestFactory<{
  groupId: string;
  groupGenerationId: number;
  memberId: string;
  topics: { topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[];
}>('offsetCommit', 5);

export const createTopicsV3Request = requestFactory<{
  topics: {
    topic: string;
    numPartitions: number;
    replicationFactor: number;
    replicaAssignment: { partition: number; replicas: number[] }[];
    configEntries: { name: string; value: string }[];
  }[];
  validateOnly: boolean;
  timeout: number;
}>('createTopics', 3);

export interface KafkajsMetadataV6 {
  throttleTime: number;
  clientSideThrottleTime: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topicMetadata: {
    topicErrorCode: number;
    topic: string;
    isInternal: boolean;
    partitionMetadata: {
      partitionErrorCode: number;
      partitionId: number;
      leader: number;
      replicas: number[];
      isr: number[];
      offlineReplicas: number[];
    }[];
  }[];
}

export const decodeMetadataV6Response = responseDecoder<KafkajsMetadataV6>('metadata', 6);

export interface KafkajsProduceV3 {
  topics: { topicName: string; partitions: { partition: number; errorCode: number; baseOffset: string; logAppendTime: string }[] }[];
  throttleTime: number;
}

export const decodeProduceV3Response = responseDecoder<KafkajsProduceV3>('produce', 3);

export interface KafkajsFetchV11 {
  clientSideThrottleTime: number;
  errorCode: number;
  sessionId: number;
  responses: {
    topicName: string;
    partitions: {
      partition: number;
      errorCode: number;
      highWatermark: string;
      lastStableOffset: string;
      lastStartOffset: string;
      abortedTransactions: { producerId: string; firstOffset: string }[];
      preferredReadReplica: number;
      messages: { offset: string; key: Buffer | null; value: Buffer | null }[];
    }[];
  }[];
}

export const decodeFetchV11Response = responseDecoder<KafkajsFetchV11>('fetch', 11);

export interface KafkajsApiVersionsV2 {
  errorCode: number;
  apiVersions: { apiKey: number; minVersion: number; maxVersion: number }[];
  clientSideThrottleTime: number;
}

export const decodeApiVersionsV2Response = responseDecoder<KafkajsApiVersionsV2>('apiVersions', 2);

export interface KafkajsJoinGroupV5 {
  clientSideThrottleTime: number;
  errorCode: number;
  generationId: number;
  groupProtocol: string;
  leaderId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; memberMetadata: Buffer }[];
}

export const decodeJoinGroupV5Response = responseDecoder<KafkajsJoinGroupV5>('joinGroup', 5);
