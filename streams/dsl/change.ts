import type { Deserializer, Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';

/**
 * What a KTable forwards per update (Kafka's Change): the new value and the one it replaces,
 * null for none. The old value lets a downstream aggregation subtract what it added before.
 */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

/** Kafka's ByteUtils varint: zigzag, 7 bits a byte, low bits first. */
function writeVarint(n: number): Buffer {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function readVarint(data: Buffer): { value: number; size: number } {
  let v = 0;
  let shift = 0;
  for (let i = 0; i < 5 && i < data.length; i++) {
    const b = data[i]!;
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: (v >>> 1) ^ -(v & 1), size: i + 1 };
    shift += 7;
  }
  throw new StreamsError(StreamsErrorCode.INVALID_INPUT, 'a table change record has a malformed length');
}

/**
 * The value format of a table re-grouping's repartition topic, byte for byte as Kafka's
 * ChangedSerializer: `[old][0]` (subtract), `[new][1]` (add), or `[varint newLength][new][old][2]`
 * when a row stays in its group, so the aggregate subtracts and adds in one step.
 */
export function changeSerde(inner: Serde<unknown>): Serde<unknown> {
  return {
    serialize(value, context) {
      const change = value as Change<unknown>;
      const bytes = (v: unknown): Buffer => inner.serialize(v, context) ?? Buffer.alloc(0);
      if (change.newValue !== null && change.oldValue !== null) {
        const fresh = bytes(change.newValue);
        return Buffer.concat([writeVarint(fresh.length), fresh, bytes(change.oldValue), Buffer.from([2])]);
      }
      if (change.newValue !== null) return Buffer.concat([bytes(change.newValue), Buffer.from([1])]);
      if (change.oldValue !== null) return Buffer.concat([bytes(change.oldValue), Buffer.from([0])]);
      throw new StreamsError(StreamsErrorCode.PRODUCTION, 'a table change record needs an old or a new value');
    },
    deserialize(data, context) {
      if (data === null || data.length < 1) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, 'a table change record needs a flag byte');
      const flag = data[data.length - 1];
      const body = data.subarray(0, data.length - 1);
      if (flag === 1) return { newValue: inner.deserialize(body, context), oldValue: null };
      if (flag === 0) return { newValue: null, oldValue: inner.deserialize(body, context) };
      if (flag === 2) {
        const { value: length, size } = readVarint(body);
        if (length < 0 || size + length > body.length) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, 'a table change record has a malformed length');
        return { newValue: inner.deserialize(body.subarray(size, size + length), context), oldValue: inner.deserialize(body.subarray(size + length), context) };
      }
      throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a table change record has an unknown flag ${flag}`);
    },
  };
}

export function changeDeserializer(inner: Deserializer<unknown>): Deserializer<unknown> {
  return changeSerde({ serialize: () => null, deserialize: (data, context) => inner.deserialize(data, context) });
}
