import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';

/** Replaces the value and keeps the key (KStream.mapValues), so it never needs a repartition. */
export function mapValues<K, V, V2>(mapper: (value: V, key: K, record: StreamRecord<K, V>) => V2, onError?: RecordErrorHook<StreamRecord<K, V>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return recordStep<StreamRecord<K, V>, StreamRecord<K, V2>>((record, emit) => {
    emit({ ...record, value: mapper(record.value, record.key, record) });
  }, onError);
}
