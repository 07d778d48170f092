import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

export type RecordPredicate<K, V> = (key: K, value: V, record: StreamRecord<K, V>) => boolean;

/** Keeps the records `predicate` accepts (KStream.filter), or rejects (filterNot when `negate`). */
export function filterRecords<K, V>(predicate: RecordPredicate<K, V>, negate = false, onError?: RecordErrorHook<StreamRecord<K, V>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K, V>>((record, emit) => {
    if (predicate(record.key, record.value, record) !== negate) emit(record);
  }, onError);
}
