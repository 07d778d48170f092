import { createHash } from 'node:crypto';
import { StreamsError, StreamsErrorCode } from '../errors.ts';

/**
 * The formats a foreign-key join (KIP-213) writes to its internal topics and its subscription
 * store. They follow Kafka Streams' SubscriptionWrapper, SubscriptionResponseWrapper and
 * CombinedKey layouts; only this app reads them, so the value hash is Brook's own (16 bytes).
 */

/** What the right side does with a subscription (Kafka's SubscriptionWrapper.Instruction, same codes). */
export const Instruction = {
  /** Unsubscribe; the left row moved to another foreign key, whose subscription answers. */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Unsubscribe and answer with null: the left row is gone, or its foreign key became null. */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Subscribe and answer even when the foreign key has no row (a null answer clears an old result). */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Subscribe and answer only when the foreign key has a row. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const;
export type Instruction = (typeof Instruction)[keyof typeof Instruction];

const SUBSCRIPTION_VERSION = 1;
const RESPONSE_VERSION = 2;
const HASH_NULL = 0x80;
const VALUE_NULL = 0x40;
const VERSION_MASK = 0x3f;
const HASH_BYTES = 16;

/** A left row's subscription to a foreign key, sent to the right side's partition for that key. */
export interface Subscription {
  /** Hash of the left value that sent it; null when the row was deleted. */
  readonly hash: Buffer | null;
  readonly instruction: Instruction;
  /** The left row's key, serialized. */
  readonly primaryKey: Buffer;
  /** The left task's partition: the answer goes back there. */
  readonly primaryPartition: number;
}

/** The right side's answer: the foreign row's value (serialized; null for none) for one left key. */
export interface SubscriptionResponse {
  readonly hash: Buffer | null;
  readonly foreignValue: Buffer | null;
  readonly primaryPartition: number;
}

function malformed(what: string): never {
  throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `malformed foreign-key join ${what}`);
}

/** `[version | 0x80 when no hash][instruction][hash: 16 bytes?][primary partition: int32][primary key]` */
export function encodeSubscription(s: Subscription): Buffer {
  const hashLength = s.hash === null ? 0 : HASH_BYTES;
  const out = Buffer.allocUnsafe(2 + hashLength + 4 + s.primaryKey.length);
  out[0] = SUBSCRIPTION_VERSION | (s.hash === null ? HASH_NULL : 0);
  out[1] = s.instruction;
  if (s.hash !== null) s.hash.copy(out, 2, 0, HASH_BYTES);
  out.writeInt32BE(s.primaryPartition, 2 + hashLength);
  s.primaryKey.copy(out, 6 + hashLength);
  return out;
}

export function decodeSubscription(data: Buffer | null): Subscription {
  if (data === null || data.length < 6) malformed('subscription: too short');
  if ((data[0]! & VERSION_MASK) !== SUBSCRIPTION_VERSION) malformed(`subscription: version ${data[0]! & VERSION_MASK}`);
  const instruction = data[1]!;
  if (instruction > Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE) malformed(`subscription: instruction ${instruction}`);
  const hashLength = (data[0]! & HASH_NULL) !== 0 ? 0 : HASH_BYTES;
  if (data.length < 6 + hashLength) malformed('subscription: too short for its hash');
  return {
    hash: hashLength === 0 ? null : data.subarray(2, 2 + HASH_BYTES),
    instruction: instruction as Instruction,
    primaryPartition: data.readInt32BE(2 + hashLength),
    primaryKey: data.subarray(6 + hashLength),
  };
}

/** `[version | 0x80 no hash | 0x40 no value][hash?][primary partition: int32][foreign value]` */
export function encodeResponse(r: SubscriptionResponse): Buffer {
  const hashLength = r.hash === null ? 0 : HASH_BYTES;
  const value = r.foreignValue ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(1 + hashLength + 4 + value.length);
  out[0] = RESPONSE_VERSION | (r.hash === null ? HASH_NULL : 0) | (r.foreignValue === null ? VALUE_NULL : 0);
  if (r.hash !== null) r.hash.copy(out, 1, 0, HASH_BYTES);
  out.writeInt32BE(r.primaryPartition, 1 + hashLength);
  value.copy(out, 5 + hashLength);
  return out;
}

export function decodeResponse(data: Buffer | null): SubscriptionResponse {
  if (data === null || data.length < 5) malformed('response: too short');
  if ((data[0]! & VERSION_MASK) !== RESPONSE_VERSION) malformed(`response: version ${data[0]! & VERSION_MASK}`);
  const hashLength = (data[0]! & HASH_NULL) !== 0 ? 0 : HASH_BYTES;
  if (data.length < 5 + hashLength) malformed('response: too short for its hash');
  return {
    hash: hashLength === 0 ? null : data.subarray(1, 1 + HASH_BYTES),
    primaryPartition: data.readInt32BE(1 + hashLength),
    foreignValue: (data[0]! & VALUE_NULL) !== 0 ? null : data.subarray(5 + hashLength),
  };
}

/** The subscription store's key (Kafka's CombinedKey): `[fk length: int32][fk][pk]`, so one foreign key's subscribers are one prefix. */
export function combinedKey(foreignKey: Buffer, primaryKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length + primaryKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  primaryKey.copy(out, 4 + foreignKey.length);
  return out;
}

export function splitCombinedKey(key: Buffer): { readonly foreignKey: Buffer; readonly primaryKey: Buffer } {
  if (key.length < 4) malformed('subscription key: too short');
  const length = key.readInt32BE(0);
  if (length < 0 || 4 + length > key.length) malformed('subscription key: bad foreign key length');
  return { foreignKey: key.subarray(4, 4 + length), primaryKey: key.subarray(4 + length) };
}

/** Identifies one version of a left value: an answer carrying another hash is stale and dropped. */
export function valueHash(serialized: Buffer | null): Buffer | null {
  return serialized === null ? null : createHash('sha256').update(serialized).digest().subarray(0, HASH_BYTES);
}
