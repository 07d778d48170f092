import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { throwIfKafkaError } from '../errors.ts';
import { describeConfigs } from './configs.ts';
import { missing, quoted, throwIfTopicError } from './context.ts';
import type { AdminContext } from './context.ts';
import type { MutationOptions, NewTopic, TopicDescription } from './types.ts';

export async function createTopics(ctx: AdminContext, topics: readonly NewTopic[], options: MutationOptions = {}): Promise<void> {
  ctx.ensureOpen();
  if (topics.length === 0) return;
  const results = await ctx.toController(topics.map((t) => t.topic), async (connection, names) => {
    const { response } = await ctx.cluster.send(
      connection,
      ApiKey.CREATE_TOPICS,
      {
        topics: topics
          .filter((t) => names.includes(t.topic))
          .map((t) => ({
            name: t.topic,
            numPartitions: t.numPartitions ?? -1,
            replicationFactor: t.replicationFactor ?? -1,
            assignments: [],
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
        timeoutMs: ctx.brokerTimeout(options),
        validateOnly: options.validateOnly ?? false,
      },
      { minVersion: options.validateOnly === true ? 1 : 0, timeoutMs: ctx.responseTimeout(options) },
    );
    return new Map(response.topics.map((r) => [r.name, r]));
  });
  for (const t of topics) {
    const result = results.get(t.topic);
    if (result === undefined) throw missing('CreateTopics', 'topic', t.topic);
    throwIfKafkaError(result.errorCode, `CreateTopics for topic ${quoted(t.topic)}`, result.errorMessage);
  }
}

export async function deleteTopics(ctx: AdminContext, names: readonly string[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<void> {
  ctx.ensureOpen();
  if (names.length === 0) return;
  const results = await ctx.toController(names, async (connection, pending) => {
    const { response } = await ctx.cluster.send(
      connection,
      ApiKey.DELETE_TOPICS,
      { topicNames: [...pending], timeoutMs: ctx.brokerTimeout(options) },
      { timeoutMs: ctx.responseTimeout(options) },
    );
    return new Map(response.responses.map((r) => [r.name, r]));
  });
  for (const name of names) {
    const result = results.get(name);
    if (result === undefined) throw missing('DeleteTopics', 'topic', name);
    throwIfKafkaError(result.errorCode, `DeleteTopics for topic ${quoted(name)}`);
  }
}

export async function listTopics(ctx: AdminContext, options: { includeInternal?: boolean } = {}): Promise<string[]> {
  ctx.ensureOpen();
  const metadata = await ctx.retry(() => ctx.metadata(null));
  return metadata.topics
    .filter((t) => t.errorCode === ErrorCode.NONE && (options.includeInternal === true || !t.isInternal))
    .map((t) => t.name)
    .sort();
}

export async function describeTopics(ctx: AdminContext, names: readonly string[], options: { includeConfigs?: boolean } = {}): Promise<TopicDescription[]> {
  ctx.ensureOpen();
  if (names.length === 0) return [];
  const metadata = await ctx.retry(async () => {
    const response = await ctx.metadata(names);
    for (const name of names) {
      const topic = response.topics.find((t) => t.name === name);
      if (topic === undefined) throw missing('Metadata', 'topic', name);
      throwIfTopicError(topic.errorCode, name);
    }
    return response;
  });
  const configs = options.includeConfigs === true ? await describeConfigs(ctx, names.map((name) => ({ type: 'topic', name }))) : undefined;
  return names.map((name, i) => {
    const topic = metadata.topics.find((t) => t.name === name)!;
    const description: TopicDescription = {
      name,
      internal: topic.isInternal,
      partitions: topic.partitions
        .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }))
        .sort((a, b) => a.partition - b.partition),
    };
    const entries = configs?.[i]?.entries;
    return entries === undefined ? description : { ...description, configs: entries };
  });
}

export async function createPartitions(ctx: AdminContext, topics: readonly { topic: string; count: number }[], options: MutationOptions = {}): Promise<void> {
  ctx.ensureOpen();
  if (topics.length === 0) return;
  const results = await ctx.toController(topics.map((t) => t.topic), async (connection, names) => {
    const { response } = await ctx.cluster.send(
      connection,
      ApiKey.CREATE_PARTITIONS,
      {
        topics: topics.filter((t) => names.includes(t.topic)).map((t) => ({ name: t.topic, count: t.count, assignments: null })),
        timeoutMs: ctx.brokerTimeout(options),
        validateOnly: options.validateOnly ?? false,
      },
      { timeoutMs: ctx.responseTimeout(options) },
    );
    return new Map(response.results.map((r) => [r.name, r]));
  });
  for (const t of topics) {
    const result = results.get(t.topic);
    if (result === undefined) throw missing('CreatePartitions', 'topic', t.topic);
    throwIfKafkaError(result.errorCode, `CreatePartitions for topic ${quoted(t.topic)}`, result.errorMessage);
  }
}
