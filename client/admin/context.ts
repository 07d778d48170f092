import { ErrorCode } from '../../core/protocol/index.ts';
import type { MetadataResponse } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import { wasNotSent } from '../connection.ts';
import type { KafkaConnection } from '../connection.ts';
import { ClientError, ClientErrorCode, KafkaError, kafkaError, throwIfKafkaError } from '../errors.ts';
import type { TopicPartition } from './types.ts';

/** Metadata v4 is the first that can ask without auto-creating the topics it names. */
const MAX_BACKOFF_MS = 1000;
/** How much longer than the broker's own timeout the client waits for its answer to arrive. */
const RESPONSE_MARGIN_MS = 5000;

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
export const byTopicPartition = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
export const quoted = (name: string): string => `'${name}'`;

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** `[{topic, partition, ...}]` as the wire's `[{name, partitions: [...]}]`. */
export function byTopic<T extends TopicPartition, P>(items: readonly T[], partition: (item: T) => P): { name: string; partitions: P[] }[] {
  return [...groupBy(items, (i) => i.topic)].map(([name, list]) => ({ name, partitions: list.map(partition) }));
}

/** Transient faults worth another try. An unknown topic is final for an admin client (Kafka's admin also fails fast). */
function transient(error: unknown): boolean {
  if (!(error instanceof ClientError) || !error.retriable) return false;
  return !(error instanceof KafkaError && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
}

/** Metadata carries no error message, so an unknown topic gets the words a broker would use. */
export function throwIfTopicError(errorCode: number, topic: string): void {
  throwIfKafkaError(errorCode, `Metadata for topic ${quoted(topic)}`, errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? `Topic ${quoted(topic)} does not exist.` : null);
}

/** A response that left out a resource the request named: the broker's fault. */
export function missing(api: string, kind: string, name: string): ClientError {
  return new ClientError(ClientErrorCode.PROTOCOL, `${api}: the broker's response left out ${kind} ${quoted(name)}`);
}

/** What every admin operation needs: the cluster, whether the admin is closed, retries, fresh metadata. */
export class AdminContext {
  readonly cluster: Cluster;
  closed = false;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /** The cluster's own close leaves a bootstrap server reachable, so the admin checks for itself. */
  ensureOpen(): void {
    if (this.closed) throw new ClientError(ClientErrorCode.CLOSED, 'the admin client is closed');
  }

  /** How long the broker may take, sent in a mutation's request: the caller's, else the cluster's request timeout. */
  brokerTimeout(options: { timeoutMs?: number }): number {
    return options.timeoutMs ?? this.cluster.requestTimeoutMs;
  }

  /**
   * How long the client waits for a mutation's answer: the broker's timeout and a margin, so
   * the client does not give up while the broker may still apply the request.
   */
  responseTimeout(options: { timeoutMs?: number }): number {
    return this.brokerTimeout(options) + RESPONSE_MARGIN_MS;
  }

  /**
   * Sends a mutation of the resources `names` to the controller, and again, with fresh
   * metadata, for the names a broker answered NOT_CONTROLLER for and after a transient fault
   * raised before the request was written (the controller unreachable or its connection
   * closed): nothing was applied then. A fault after writing may have been applied, so it is
   * the caller's. Gives up at the cluster's request timeout, returning the last answers.
   */
  async toController<R extends { errorCode: number }>(
    names: readonly string[],
    request: (connection: KafkaConnection, names: readonly string[]) => Promise<ReadonlyMap<string, R>>,
  ): Promise<Map<string, R>> {
    const deadline = this.cluster.scheduler.now() + this.cluster.requestTimeoutMs;
    let backoff = 100;
    const results = new Map<string, R>();
    let pending = names;
    for (;;) {
      this.ensureOpen();
      let written = false;
      try {
        const connection = await this.cluster.controller();
        await connection.apiVersions();
        written = true;
        const answered = await request(connection, pending);
        for (const [name, result] of answered) results.set(name, result);
        pending = pending.filter((name) => results.get(name)?.errorCode === ErrorCode.NOT_CONTROLLER);
        if (pending.length === 0) return results;
      } catch (error) {
        const unapplied = !written || wasNotSent(error);
        if (!unapplied || !transient(error)) throw error;
        if (this.closed || this.cluster.scheduler.now() + backoff > deadline) throw error;
      }
      if (this.closed || this.cluster.scheduler.now() + backoff > deadline) return results;
      await this.cluster.scheduler.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      // The controller moved or died: ask the cluster where it is now.
      await this.cluster.refreshMetadata([]).catch(() => undefined);
    }
  }

  /** Runs `attempt` again after a transient fault, with backoff, until the cluster's request timeout or the admin closes. */
  async retry<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = this.cluster.scheduler.now() + this.cluster.requestTimeoutMs;
    let backoff = 100;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (this.closed || !transient(error) || this.cluster.scheduler.now() + backoff > deadline) throw error;
        await this.cluster.scheduler.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** A fresh Metadata response (the cluster's cache keeps deleted topics a while), never auto-creating. */
  metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    return this.cluster.requestMetadata(topics);
  }

  /** The leader of each partition, from fresh metadata; throws for an unknown topic or partition. */
  async leaders(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const metadata = await this.metadata([...new Set(partitions.map((p) => p.topic))]);
    const out = new Map<string, number>();
    for (const tp of partitions) {
      const topic = metadata.topics.find((t) => t.name === tp.topic);
      if (topic === undefined) throw missing('Metadata', 'topic', tp.topic);
      throwIfTopicError(topic.errorCode, tp.topic);
      const partition = topic.partitions.find((p) => p.partitionIndex === tp.partition);
      if (partition === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Metadata for ${tp.topic}-${tp.partition}`, `topic '${tp.topic}' has ${topic.partitions.length} partitions`);
      throwIfKafkaError(partition.errorCode, `Metadata for ${tp.topic}-${tp.partition}`);
      if (partition.leaderId < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `Metadata for ${tp.topic}-${tp.partition}`);
      out.set(tpKey(tp), partition.leaderId);
    }
    return out;
  }
}
