/**
 * kafkajs 2.2.4 as an independent implementation: requests it encodes are decoded by Brook,
 * and responses Brook encodes are decoded by kafkajs.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, FrameDecoder, decodeRequest, encodeResponse } from '../../../../core/protocol/index.ts';
import type { DecodedRequest } from '../../../../core/protocol/index.ts';
import { decodeRecordBatch, encodeRecordBatch } from '../../../../core/records/index.ts';
import {
  createTopicsV3Request,
  decodeApiVersionsV2Response,
  decodeFetchV11Response,
  decodeJoinGroupV5Response,
  decodeMetadataV6Response,
  decodeProduceV3Response,
  fetchV11Request,
  joinGroupV5Request,
  kafkajsFrame,
  metadataV6Request,
  offsetCommitV5Request,
  produceV3Request,
} from './kafkajs-protocol.ts';
import type { KafkajsRequest } from './kafkajs-protocol.ts';

/** kafkajs's frame → Brook's frame decoder → Brook's request decoder. */
async function viaBrook<K extends ApiKey>(t: ExecutionContext, request: KafkajsRequest, apiKey: K): Promise<Extract<DecodedRequest, { apiKey: K }>> {
  const frame = await kafkajsFrame(request, 42, 'kafkajs-client');
  const frames = new FrameDecoder().push(frame);
  t.is(frames.length, 1);
  const decoded = decodeRequest(frames[0]!);
  t.is(decoded.header.correlationId, 42);
  t.is(decoded.header.clientId, 'kafkajs-client');
  t.is(decoded.header.apiVersion, request.apiVersion);
  if (decoded.apiKey !== apiKey) throw new Error(`decoded API ${decoded.apiKey}, expected ${apiKey}`);
  return decoded as Extract<DecodedRequest, { apiKey: K }>;
}

/** A Brook response frame, minus size and correlation id: what kafkajs's decoders take. */
function responsePayload(frame: Buffer): Buffer {
  return frame.subarray(8);
}

test('Metadata v6 request from kafkajs', async (t) => {
  const { body } = await viaBrook(t, metadataV6Request({ topics: ['orders', 'payments'], allowAutoTopicCreation: false }), ApiKey.METADATA);
  t.deepEqual(body, {
    topics: [{ name: 'orders' }, { name: 'payments' }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
});

test('Produce v3 request from kafkajs, with a record batch Brook can open', async (t) => {
  const request = produceV3Request({
    acks: -1,
    timeout: 30000,
    transactionalId: null,
    topicData: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 2,
            messages: [
              { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_700_000_000_000 },
              { key: null, value: Buffer.from('v2'), timestamp: 1_700_000_000_005, headers: { h: Buffer.from('x') } },
            ],
          },
        ],
      },
    ],
  });
  const { body } = await viaBrook(t, request, ApiKey.PRODUCE);
  t.is(body.transactionalId, null);
  t.is(body.acks, -1);
  t.is(body.timeoutMs, 30000);
  t.is(body.topicData.length, 1);
  const topic = body.topicData[0]!;
  t.is(topic.name, 'orders');
  t.is(topic.partitionData[0]?.index, 2);
  const records = topic.partitionData[0]?.records;
  if (records == null) {
    t.fail('no records');
    return;
  }
  const batch = decodeRecordBatch(records);
  t.is(batch.records.length, 2);
  t.deepEqual(batch.records[0]?.key, Buffer.from('k1'));
  t.deepEqual(batch.records[0]?.value, Buffer.from('v1'));
  t.is(batch.records[1]?.key, null);
  t.is(batch.records[1]?.timestamp, 1_700_000_000_005n);
  t.deepEqual(batch.records[1]?.headers, [{ key: 'h', value: Buffer.from('x') }]);
});

test('Fetch v11 request from kafkajs', async (t) => {
  const request = fetchV11Request({
    replicaId: -1,
    maxWaitTime: 5000,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    rackId: 'rack-a',
    topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '12345678901234', maxBytes: 1048576 }] }],
    forgottenTopics: [{ topic: 'old', partitions: [3, 4] }],
  });
  const { body } = await viaBrook(t, request, ApiKey.FETCH);
  t.deepEqual(body, {
    replicaId: -1,
    maxWaitMs: 5000,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'orders',
        partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 12345678901234n, logStartOffset: -1n, partitionMaxBytes: 1048576 }],
      },
    ],
    forgottenTopicsData: [{ topic: 'old', partitions: [3, 4] }],
    rackId: 'rack-a',
  });
});

test('JoinGroup v5 request from kafkajs', async (t) => {
  const metadata = Buffer.from('0001000000010006orders', 'utf8');
  const request = joinGroupV5Request({
    groupId: 'g1',
    sessionTimeout: 30000,
    rebalanceTimeout: 60000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
  });
  const { body } = await viaBrook(t, request, ApiKey.JOIN_GROUP);
  t.deepEqual(body, {
    groupId: 'g1',
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 60000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata }],
  });
});

test('OffsetCommit v5 request from kafkajs', async (t) => {
  const request = offsetCommitV5Request({
    groupId: 'g1',
    groupGenerationId: 3,
    memberId: 'member-1',
    topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: '42', metadata: null }, { partition: 2, offset: '7', metadata: 'm' }] }],
  });
  const { body } = await viaBrook(t, request, ApiKey.OFFSET_COMMIT);
  t.deepEqual(body, {
    groupId: 'g1',
    generationIdOrMemberEpoch: 3,
    memberId: 'member-1',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null },
          { partitionIndex: 2, committedOffset: 7n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'm' },
        ],
      },
    ],
  });
});

test('CreateTopics v3 request from kafkajs', async (t) => {
  const request = createTopicsV3Request({
    topics: [
      {
        topic: 'new-topic',
        numPartitions: 3,
        replicationFactor: 1,
        replicaAssignment: [{ partition: 0, replicas: [1] }],
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
    validateOnly: true,
    timeout: 5000,
  });
  const { body } = await viaBrook(t, request, ApiKey.CREATE_TOPICS);
  t.deepEqual(body, {
    topics: [
      {
        name: 'new-topic',
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [{ partitionIndex: 0, brokerIds: [1] }],
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
    timeoutMs: 5000,
    validateOnly: true,
  });
});

test('kafkajs reads Brook’s Metadata v6 response', async (t) => {
  const frame = encodeResponse(ApiKey.METADATA, 6, 1, {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: 'brook-cluster',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'orders',
        isInternal: false,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
      },
    ],
  }).finish();
  const decoded = await decodeMetadataV6Response(responsePayload(frame));
  t.deepEqual(decoded.brokers, [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]);
  t.is(decoded.clusterId, 'brook-cluster');
  t.is(decoded.controllerId, 1);
  t.deepEqual(decoded.topicMetadata, [
    {
      topicErrorCode: 0,
      topic: 'orders',
      isInternal: false,
      partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }],
    },
  ]);
});

test('kafkajs reads Brook’s ApiVersions v2 and Produce v3 responses', async (t) => {
  const versions = encodeResponse(ApiKey.API_VERSIONS, 2, 1, {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 0, maxVersion: 8 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ],
    throttleTimeMs: 0,
  }).finish();
  const av = await decodeApiVersionsV2Response(responsePayload(versions));
  t.is(av.errorCode, 0);
  t.deepEqual(av.apiVersions, [
    { apiKey: 0, minVersion: 0, maxVersion: 8 },
    { apiKey: 18, minVersion: 0, maxVersion: 3 },
  ]);

  const produce = encodeResponse(ApiKey.PRODUCE, 3, 1, {
    responses: [{ name: 'orders', partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 100n, logAppendTimeMs: -1n }] }],
    throttleTimeMs: 0,
  }).finish();
  const pr = await decodeProduceV3Response(responsePayload(produce));
  t.deepEqual(pr.topics, [{ topicName: 'orders', partitions: [{ partition: 2, errorCode: 0, baseOffset: '100', logAppendTime: '-1' }] }]);
});

test('kafkajs reads Brook’s Fetch v11 response with a record batch', async (t) => {
  const batch = encodeRecordBatch(
    [
      { timestamp: 1_700_000_000_000n, key: Buffer.from('k'), value: Buffer.from('hello') },
      { timestamp: 1_700_000_000_001n, key: null, value: Buffer.from('world') },
    ],
    { baseOffset: 10n },
  );
  const frame = encodeResponse(ApiKey.FETCH, 11, 1, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 12n,
            lastStableOffset: 12n,
            logStartOffset: 0n,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: batch,
          },
        ],
      },
    ],
  }).finish();
  const decoded = await decodeFetchV11Response(responsePayload(frame));
  const partition = decoded.responses[0]?.partitions[0];
  t.is(decoded.responses[0]?.topicName, 'orders');
  t.is(partition?.highWatermark, '12');
  t.is(partition?.lastStableOffset, '12');
  t.is(partition?.preferredReadReplica, -1);
  t.deepEqual(
    partition?.messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null]),
    [
      ['10', 'k', 'hello'],
      ['11', null, 'world'],
    ],
  );
});

test('kafkajs reads Brook’s JoinGroup v5 response', async (t) => {
  const frame = encodeResponse(ApiKey.JOIN_GROUP, 5, 1, {
    errorCode: 0,
    generationId: 4,
    protocolName: 'RoundRobinAssigner',
    leader: 'm-1',
    memberId: 'm-1',
    members: [{ memberId: 'm-1', groupInstanceId: null, metadata: Buffer.from([1, 2]) }],
  }).finish();
  const decoded = await decodeJoinGroupV5Response(responsePayload(frame));
  t.is(decoded.generationId, 4);
  t.is(decoded.groupProtocol, 'RoundRobinAssigner');
  t.is(decoded.leaderId, 'm-1');
  t.deepEqual(decoded.members, [{ memberId: 'm-1', groupInstanceId: null, memberMetadata: Buffer.from([1, 2]) }]);
});
