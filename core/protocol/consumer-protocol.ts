import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';

/**
 * The consumer protocol: what consumer-group members put in JoinGroup's protocol metadata
 * (ConsumerProtocolSubscription) and what the leader hands each member through SyncGroup
 * (ConsumerProtocolAssignment). The coordinator treats both as opaque bytes; the broker reads
 * them only to describe groups.
 *
 * Both are read the way Kafka reads them: a version newer than the newest known is parsed with
 * the newest layout and its extra trailing fields are ignored, since later versions only append.
 */

/** The protocol type consumer groups declare in JoinGroup (Kafka's ConsumerProtocol.PROTOCOL_TYPE). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** A member's ConsumerProtocolSubscription (versions 0-3). */
export interface ConsumerSubscription {
  readonly version: number;
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  /** v1+: the partitions the member owns going into this rebalance (cooperative protocols). */
  readonly ownedPartitions: readonly TopicPartitions[];
  /** v2+: the generation those partitions were owned in; -1 when absent. */
  readonly generationId: number;
  /** v3+: the member's rack; null when absent. */
  readonly rackId: string | null;
}

/** A member's ConsumerProtocolAssignment: the layout is the same in versions 0-3. */
export interface ConsumerAssignment {
  readonly version: number;
  readonly topics: readonly TopicPartitions[];
  readonly userData: Buffer | null;
}

/** What `encodeConsumerSubscription` takes: fields the version lacks are not written. */
export interface ConsumerSubscriptionInput {
  /** Default 0. */
  readonly version?: number;
  readonly topics: readonly string[];
  readonly userData?: Buffer | null;
  readonly ownedPartitions?: readonly TopicPartitions[];
  readonly generationId?: number;
  readonly rackId?: string | null;
}

export interface ConsumerAssignmentInput {
  /** Default 0. */
  readonly version?: number;
  readonly topics: readonly TopicPartitions[];
  readonly userData?: Buffer | null;
}

function checkVersion(version: number, what: string): void {
  if (version < 0) throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `${what} version ${version} is negative`);
}

function writeTopicPartitions(w: Writer, list: readonly TopicPartitions[]): void {
  w.arrayLength(list.length);
  for (const { topic, partitions } of list) {
    w.string(topic).arrayLength(partitions.length);
    for (const partition of partitions) w.int32(partition);
  }
}

function readTopicPartitions(r: Reader): TopicPartitions[] {
  // A topic entry is at least a string length (2) and an array count (4).
  const count = r.arrayLength(6);
  const out: TopicPartitions[] = [];
  for (let t = 0; t < count; t++) {
    const topic = r.string();
    const n = r.arrayLength(4);
    const partitions: number[] = [];
    for (let p = 0; p < n; p++) partitions.push(r.int32());
    out.push({ topic, partitions });
  }
  return out;
}

export function encodeConsumerSubscription(subscription: ConsumerSubscriptionInput): Buffer {
  const version = subscription.version ?? 0;
  checkVersion(version, 'ConsumerProtocolSubscription');
  const w = new Writer();
  w.int16(version).arrayLength(subscription.topics.length);
  for (const topic of subscription.topics) w.string(topic);
  w.nullableBytes(subscription.userData ?? null);
  if (version >= 1) writeTopicPartitions(w, subscription.ownedPartitions ?? []);
  if (version >= 2) w.int32(subscription.generationId ?? -1);
  if (version >= 3) w.nullableString(subscription.rackId ?? null);
  return w.finish();
}

/**
 * Reads a ConsumerProtocolSubscription of any version. Fields a client left off the end (some
 * end after the topics, or before the owned partitions) read as their defaults; fields newer
 * than v3 are ignored. Throws a ProtocolError when a field is cut short.
 */
export function decodeConsumerSubscription(bytes: Buffer): ConsumerSubscription {
  const r = new Reader(bytes);
  const version = r.int16();
  checkVersion(version, 'ConsumerProtocolSubscription');
  const count = r.arrayLength(2);
  const topics: string[] = [];
  for (let i = 0; i < count; i++) topics.push(r.string());
  const userData = r.remaining() >= 4 ? r.nullableBytes() : null;
  const ownedPartitions = version >= 1 && r.remaining() >= 4 ? readTopicPartitions(r) : [];
  const generationId = version >= 2 && r.remaining() >= 4 ? r.int32() : -1;
  const rackId = version >= 3 && r.remaining() >= 2 ? r.nullableString() : null;
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

/** Writes a ConsumerProtocolAssignment (version 0 unless told otherwise). */
export function encodeConsumerAssignment(assignment: ConsumerAssignmentInput): Buffer {
  const version = assignment.version ?? 0;
  checkVersion(version, 'ConsumerProtocolAssignment');
  const w = new Writer();
  w.int16(version);
  writeTopicPartitions(w, assignment.topics);
  w.nullableBytes(assignment.userData ?? null);
  return w.finish();
}

/**
 * Reads the assignment bytes of a SyncGroup or DescribeGroups response. Empty bytes (a member
 * whose group is rebalancing) read as no partitions. Some old clients end the assignment
 * without the user data field. Throws a ProtocolError when a field is cut short.
 */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { version: 0, topics: [], userData: null };
  const r = new Reader(bytes);
  const version = r.int16();
  checkVersion(version, 'ConsumerProtocolAssignment');
  const topics = readTopicPartitions(r);
  const userData = r.remaining() >= 4 ? r.nullableBytes() : null;
  return { version, topics, userData };
}
