import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/**
 * Calls `action` for each record and passes it on unchanged (KStream.peek; KStream.foreach is
 * the same with nothing downstream). An action that throws drops the record only if the
 * processing handler says continue.
 */
export function peekRecords<K, V>(action: (key: K, value: V, record: StreamRecord<K, V>) => void, onError?: RecordErrorHook<StreamRecord<K, V>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K, V>>((record, emit) => {
    action(record.key, record.value, record);
    emit(record);
  }, onError);
}
