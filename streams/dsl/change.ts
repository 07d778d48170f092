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

/**
 * The value format of a table re-grouping's repartition topic: one flag byte (1 = add the
 * value, 0 = subtract it) then the value's bytes. Kafka sends old and new values through this
 * topic too (ChangedSerializer); a record carries one of them, since their keys may differ.
 */
export function changeSerde(inner: Serde<unknown>): Serde<unknown> {
  return {
    serialize(value, context) {
      const change = value as Change<unknown>;
      const add = change.newValue !== null;
      const bytes = inner.serialize(add ? change.newValue : change.oldValue, context) ?? Buffer.alloc(0);
      return Buffer.concat([Buffer.from([add ? 1 : 0]), bytes]);
    },
    deserialize(data, context) {
      if (data === null || data.length < 1) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, 'a table change record needs a flag byte');
      const value = inner.deserialize(data.subarray(1), context);
      return data[0] === 1 ? { newValue: value, oldValue: null } : { newValue: null, oldValue: value };
    },
  };
}

export function changeDeserializer(inner: Deserializer<unknown>): Deserializer<unknown> {
  return changeSerde({ serialize: () => null, deserialize: (data, context) => inner.deserialize(data, context) });
}
