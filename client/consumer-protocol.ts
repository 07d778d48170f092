import { Reader, Writer } from '../core/protocol/index.ts';

/** The protocol type consumer groups declare in JoinGroup (Kafka's ConsumerProtocol.PROTOCOL_TYPE). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * A member's ConsumerProtocolAssignment: the partitions the group leader gave it, and the
 * assignor's opaque user data. The layout is the same in versions 0-3.
 */
export interface ConsumerAssignment {
  readonly version: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
  readonly userData: Buffer | null;
}

/**
 * Reads the assignment bytes of a SyncGroup or DescribeGroups response. Empty bytes (a member
 * whose group is rebalancing) read as no partitions. Bytes after the known fields are ignored,
 * as Kafka does for versions newer than it knows. Throws a ProtocolError on truncated input.
 */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { version: 0, topics: [], userData: null };
  const r = new Reader(bytes);
  const version = r.int16();
  const topicCount = r.arrayLength(6);
  const topics: { topic: string; partitions: number[] }[] = [];
  for (let t = 0; t < topicCount; t++) {
    const topic = r.string();
    const count = r.arrayLength(4);
    const partitions: number[] = [];
    for (let p = 0; p < count; p++) partitions.push(r.int32());
    topics.push({ topic, partitions });
  }
  // Some old clients end the assignment without the user data field.
  const userData = r.remaining() >= 4 ? r.nullableBytes() : null;
  return { version, topics, userData };
}

/** Writes a ConsumerProtocolAssignment (version 0 unless told otherwise). */
export function encodeConsumerAssignment(assignment: {
  readonly version?: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
  readonly userData?: Buffer | null;
}): Buffer {
  const w = new Writer();
  w.int16(assignment.version ?? 0).arrayLength(assignment.topics.length);
  for (const { topic, partitions } of assignment.topics) {
    w.string(topic).arrayLength(partitions.length);
    for (const partition of partitions) w.int32(partition);
  }
  w.nullableBytes(assignment.userData ?? null);
  return w.finish();
}
