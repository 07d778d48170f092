import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/** Zero or more values per record under the same key (KStream.flatMapValues). */
export function flatMapValues<K, V, V2>(
  mapper: (value: V, key: K, record: StreamRecord<K, V>) => Iterable<V2>,
  onError?: RecordErrorHook<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K, V2>>((record, emit) => {
    // Collected first, so a mapper that throws half-way emits nothing for the record.
    const values = Array.from(mapper(record.value, record.key, record));
    for (const value of values) emit({ ...record, value });
  }, onError);
}
