import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../processor/record.ts';
import type { RecordErrorHook } from './record-step.ts';

export interface MapAsyncOptions<R> {
  /** Most calls in flight at once, across keys. */
  readonly concurrency: number;
  /** Told when a record enters (the task holds its offset back from commits). */
  readonly onAccept?: (record: R) => void;
  /** Told when a record has left: its result was emitted downstream, or it was dropped. */
  readonly onSettle?: (record: R) => void;
  /** A rejection (or throw) for one record: return to drop it, throw to end the stream. */
  readonly onError?: RecordErrorHook<R>;
}

/**
 * Maps values through an async function with up to `concurrency` calls in flight, keeping the
 * order of records with equal keys: a record starts only after every earlier record with its key
 * has been emitted. Records of different keys may overtake each other, as in Kafka's
 * partition-per-key model. Unlike `mergeMap(fn, n)`, waiting records are visible to the task
 * (onAccept/onSettle), so commits wait for them and the runtime can pause the consumer.
 * Completes once the source completed and every accepted record left.
 */
export function mapAsync<K, V, V2>(
  mapper: (value: V, key: K, record: StreamRecord<K, V>) => Promise<V2> | V2,
  options: MapAsyncOptions<StreamRecord<K, V>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  const { concurrency, onAccept, onSettle, onError } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`mapAsync concurrency must be an integer >= 1, not ${concurrency}`);
  type R = StreamRecord<K, V>;
  return (source) =>
    new Observable<StreamRecord<K, V2>>((subscriber) => {
      const waiting: R[] = [];
      const busyKeys = new Set<unknown>();
      let active = 0;
      let sourceDone = false;
      let stopped = false;

      const finishIfDone = (): void => {
        if (sourceDone && active === 0 && waiting.length === 0) subscriber.complete();
      };
      const settle = (record: R): void => {
        active--;
        busyKeys.delete(keyId(record.key));
        onSettle?.(record);
      };
      const start = (record: R): void => {
        active++;
        busyKeys.add(keyId(record.key));
        // An async wrapper turns a synchronous throw into a rejection, with the error as it was.
        const result = (async () => mapper(record.value, record.key, record))();
        result.then(
          (value) => {
            if (stopped) return;
            subscriber.next({ ...record, value });
            settle(record);
            pump();
          },
          (error: unknown) => {
            if (stopped) return;
            try {
              onError?.(error, record);
              if (onError === undefined) throw error;
            } catch (fatal) {
              settle(record);
              stopped = true;
              subscriber.error(fatal);
              return;
            }
            settle(record);
            pump();
          },
        );
      };
      // Starts waiting records in arrival order, skipping a key that is busy or has an earlier record still waiting.
      const pump = (): void => {
        const blocked = new Set<unknown>();
        for (let i = 0; i < waiting.length && active < concurrency; ) {
          const record = waiting[i]!;
          const id = keyId(record.key);
          if (busyKeys.has(id) || blocked.has(id)) {
            blocked.add(id);
            i++;
            continue;
          }
          waiting.splice(i, 1);
          start(record);
        }
        finishIfDone();
      };

      const subscription = source.subscribe({
        next(record) {
          onAccept?.(record);
          waiting.push(record);
          pump();
        },
        error(error: unknown) {
          stopped = true;
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          finishIfDone();
        },
      });
      return () => {
        stopped = true;
        subscription.unsubscribe();
      };
    });
}

/** Keys compare by content: two Buffers or JSON objects with the same content are the same key. */
function keyId(key: unknown): unknown {
  if (key === null || typeof key !== 'object') return key;
  if (Buffer.isBuffer(key)) return `buffer:${key.toString('hex')}`;
  return `json:${JSON.stringify(key)}`;
}
