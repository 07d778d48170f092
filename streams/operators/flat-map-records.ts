import type { OperatorFunction } from 'rxjs';
import type { KeyValue, StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/**
 * Zero or more key-value pairs per record (KStream.flatMap), in the order the mapper returns
 * them; each keeps the input's timestamp, headers and source position.
 */
export function flatMapRecords<K, V, K2, V2>(
  mapper: (key: K, value: V, record: StreamRecord<K, V>) => Iterable<KeyValue<K2, V2>>,
  onError?: RecordErrorHook<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K2, V2>>((record, emit) => {
    // Collected first, so a mapper that throws half-way emits nothing for the record.
    const outputs = Array.from(mapper(record.key, record.value, record), ({ key, value }) => ({ ...record, key, value }));
    for (const output of outputs) emit(output);
  }, onError);
}
