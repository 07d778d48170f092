import type { OperatorFunction } from 'rxjs';
import type { KeyValue, StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/** Replaces key and value (KStream.map); timestamp, headers and source position are kept. */
export function mapRecords<K, V, K2, V2>(
  mapper: (key: K, value: V, record: StreamRecord<K, V>) => KeyValue<K2, V2>,
  onError?: RecordErrorHook<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K2, V2>>((record, emit) => {
    const { key, value } = mapper(record.key, record.value, record);
    emit({ ...record, key, value });
  }, onError);
}
