import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/** Gives each record a new key computed from it (KStream.selectKey). */
export function selectKey<K, V, K2>(selector: (key: K, value: V, record: StreamRecord<K, V>) => K2, onError?: RecordErrorHook<StreamRecord<K, V>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K2, V>>((record, emit) => {
    emit({ ...record, key: selector(record.key, record.value, record) });
  }, onError);
}
