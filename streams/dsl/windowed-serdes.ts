import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { Windowed } from '../state/store-api.ts';

function keyOf<K>(inner: Serde<K>, windowed: Windowed<K> | null, context: Parameters<Serde<K>['serialize']>[1]): Buffer {
  if (windowed === null) throw new StreamsError(StreamsErrorCode.PRODUCTION, 'a windowed key cannot be null');
  const bytes = inner.serialize(windowed.key, context);
  if (bytes === null) throw new StreamsError(StreamsErrorCode.PRODUCTION, 'a windowed key needs a non-null inner key');
  return bytes;
}

/**
 * Serdes for the keys of windowed tables, byte for byte as Kafka's WindowedSerdes, so windowed
 * results read the same in Java: time windows `[key][start: int64]` (the end is start + size),
 * session windows `[key][end: int64][start: int64]`.
 */
export const WindowedSerdes = {
  timeWindowed<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
    return {
      serialize(windowed, context) {
        const key = keyOf(inner, windowed, context);
        const out = Buffer.allocUnsafe(key.length + 8);
        key.copy(out, 0);
        out.writeBigInt64BE(BigInt(windowed!.window.start), key.length);
        return out;
      },
      deserialize(data, context) {
        if (data === null) return null;
        if (data.length < 8) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a time-windowed key needs at least 8 bytes, got ${data.length}`);
        const start = Number(data.readBigInt64BE(data.length - 8));
        return { key: inner.deserialize(data.subarray(0, data.length - 8), context) as K, window: { start, end: start + windowSizeMs } };
      },
    };
  },
  sessionWindowed<K>(inner: Serde<K>): Serde<Windowed<K>> {
    return {
      serialize(windowed, context) {
        const key = keyOf(inner, windowed, context);
        const out = Buffer.allocUnsafe(key.length + 16);
        key.copy(out, 0);
        out.writeBigInt64BE(BigInt(windowed!.window.end), key.length);
        out.writeBigInt64BE(BigInt(windowed!.window.start), key.length + 8);
        return out;
      },
      deserialize(data, context) {
        if (data === null) return null;
        if (data.length < 16) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a session-windowed key needs at least 16 bytes, got ${data.length}`);
        return {
          key: inner.deserialize(data.subarray(0, data.length - 16), context) as K,
          window: { start: Number(data.readBigInt64BE(data.length - 8)), end: Number(data.readBigInt64BE(data.length - 16)) },
        };
      },
    };
  },
} as const;

/** A list of values as `[count: int32]([length: int32][bytes])*`: a join or sliding-window store keeps every record of a key and time. */
export function listSerde(inner: Serde<unknown>): Serde<unknown> {
  return {
    serialize(list, context) {
      const items = (list as unknown[] | null) ?? [];
      const parts: Buffer[] = [Buffer.alloc(4)];
      parts[0]!.writeInt32BE(items.length, 0);
      for (const item of items) {
        const bytes = inner.serialize(item, context);
        const len = Buffer.alloc(4);
        len.writeInt32BE(bytes === null ? -1 : bytes.length, 0);
        parts.push(len);
        if (bytes !== null) parts.push(bytes);
      }
      return Buffer.concat(parts);
    },
    deserialize(data, context) {
      if (data === null) return null;
      const count = data.readInt32BE(0);
      const out: unknown[] = [];
      let at = 4;
      for (let i = 0; i < count; i++) {
        const len = data.readInt32BE(at);
        at += 4;
        if (len < 0) out.push(inner.deserialize(null, context));
        else {
          if (at + len > data.length) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a list entry claims ${len} bytes past the end of the value`);
          out.push(inner.deserialize(data.subarray(at, at + len), context));
          at += len;
        }
      }
      return out;
    },
  };
}
