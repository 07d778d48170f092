import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import { recordStep } from './record-step.ts';
import type { RecordErrorHook } from './record-step.ts';
import type { RecordPredicate } from './filter-records.ts';

/** A record and the branch it goes to. */
export interface Routed<R> {
  readonly branch: number;
  readonly record: R;
}

/**
 * Routes each record to the first branch whose predicate accepts it (KStream.split): branch `i`
 * for predicate `i`, `predicates.length` for the default branch when `hasDefault`; a record no
 * branch takes is dropped. `predicates` is read per record, so branches added later count.
 */
export function splitRecords<K, V>(
  predicates: readonly RecordPredicate<K, V>[],
  hasDefault: () => boolean,
  onError?: RecordErrorHook<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, Routed<StreamRecord<K, V>>> {
  return recordStep<StreamRecord<K, V>, Routed<StreamRecord<K, V>>>((record, emit) => {
    for (let branch = 0; branch < predicates.length; branch++) {
      if (predicates[branch]!(record.key, record.value, record)) {
        emit({ branch, record });
        return;
      }
    }
    if (hasDefault()) emit({ branch: predicates.length, record });
  }, onError);
}

/** The records routed to one branch. */
export function branchOf<R>(branch: number): OperatorFunction<Routed<R>, R> {
  return recordStep<Routed<R>, R>((routed, emit) => {
    if (routed.branch === branch) emit(routed.record);
  });
}
