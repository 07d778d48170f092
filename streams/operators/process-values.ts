import type { OperatorFunction } from 'rxjs';
import type { Header, StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/** What a processValues function returns: a new value, and optionally new headers or timestamp. */
export interface ValueUpdate<V> {
  readonly value: V;
  readonly timestamp?: number;
  readonly headers?: readonly Header[];
}

/**
 * Sees the whole record — headers, timestamp, source topic/partition/offset — and returns its
 * new value (and headers, timestamp), or null to drop it. The key cannot change, so no
 * repartition is needed (Kafka Streams' processValues).
 */
export function processValues<K, V, V2>(
  processor: (record: StreamRecord<K, V>) => ValueUpdate<V2> | null,
  onError?: RecordErrorHook<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K, V2>>((record, emit) => {
    const update = processor(record);
    if (update === null) return;
    emit({ ...record, value: update.value, timestamp: update.timestamp ?? record.timestamp, headers: update.headers ?? record.headers });
  }, onError);
}
