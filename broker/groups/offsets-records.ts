import { Reader, Writer } from '../../core/protocol/index.ts';
import { coordinatorPartitionFor } from '../coordinator/index.ts';

/**
 * Records of the `__consumer_offsets` topic, in Kafka's own layout so Kafka's tooling
 * reads them: every key and value starts with an INT16 version. Key versions 0/1 are an
 * offset commit, 2 is group metadata. A null value is a tombstone.
 */

export interface OffsetKey {
  readonly kind: 'offset';
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

export interface GroupKey {
  readonly kind: 'group';
  readonly group: string;
}

export type OffsetsTopicKey = OffsetKey | GroupKey;

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
}

export interface StoredMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

export interface StoredGroup {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  readonly stateTimestamp: bigint;
  readonly members: readonly StoredMember[];
}

const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;
const OFFSET_VALUE_VERSION = 3;
const GROUP_VALUE_VERSION = 3;

export function encodeOffsetKey(group: string, topic: string, partition: number): Buffer {
  return new Writer().int16(OFFSET_KEY_VERSION).string(group).string(topic).int32(partition).finish();
}

export function encodeGroupKey(group: string): Buffer {
  return new Writer().int16(GROUP_KEY_VERSION).string(group).finish();
}

export function decodeKey(key: Buffer): OffsetsTopicKey {
  const r = new Reader(key);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { kind: 'group', group: r.string() };
  throw new Error(`unknown __consumer_offsets key version ${version}`);
}

export function encodeOffsetValue(value: CommittedOffset): Buffer {
  return new Writer()
    .int16(OFFSET_VALUE_VERSION)
    .int64(value.offset)
    .int32(value.leaderEpoch)
    .string(value.metadata)
    .int64(value.commitTimestamp)
    .finish();
}

/** Reads value versions 0–3 (1 adds an expire timestamp, 3 a leader epoch). */
export function decodeOffsetValue(value: Buffer): CommittedOffset {
  const r = new Reader(value);
  const version = r.int16();
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  if (version === 1) r.int64();
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

export function encodeGroupValue(group: StoredGroup): Buffer {
  const w = new Writer()
    .int16(GROUP_VALUE_VERSION)
    .string(group.protocolType)
    .int32(group.generation)
    .nullableString(group.protocol)
    .nullableString(group.leader)
    .int64(group.stateTimestamp)
    .int32(group.members.length);
  for (const m of group.members) {
    w.string(m.memberId)
      .nullableString(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.finish();
}

/** Reads value versions 0–3 (1 adds the rebalance timeout, 2 the state timestamp, 3 the instance id). */
export function decodeGroupValue(value: Buffer): StoredGroup {
  const r = new Reader(value);
  const version = r.int16();
  const protocolType = r.string();
  const generation = r.int32();
  const protocol = r.nullableString();
  const leader = r.nullableString();
  const stateTimestamp = version >= 2 ? r.int64() : -1n;
  const count = r.arrayLength(16);
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : 0;
    const sessionTimeoutMs = r.int32();
    const subscription = Buffer.from(r.bytes());
    const assignment = Buffer.from(r.bytes());
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: version >= 1 ? rebalanceTimeoutMs : sessionTimeoutMs, sessionTimeoutMs, subscription, assignment });
  }
  return { protocolType, generation, protocol, leader, stateTimestamp, members };
}

/** The partition of `__consumer_offsets` that holds a group: Kafka's rule for every coordinator key. */
export function offsetsPartitionFor(group: string, partitions: number): number {
  return coordinatorPartitionFor(group, partitions);
}
