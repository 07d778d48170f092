import { Observable } from 'rxjs';
import type { Assignment, ConsumerPartition } from './assignment.ts';
import type { ConsumerBatch, TopicRecord } from './consumer-types.ts';
import type { FetchedBatch } from './fetcher.ts';
import type { Signal } from './signal.ts';

/** What an iterator reads from: the consumer's fetched data, assignment and state. */
export interface BatchSource {
  readonly assignment: Assignment;
  /** Notified when fetched data arrives, a batch is released, the consumer fails or closes. */
  readonly changes: Signal;
  /** The next buffered batch still deliverable, or undefined. */
  take(): FetchedBatch<ConsumerPartition> | undefined;
  /** Throws the error the consumer failed with; true once it is closed. */
  finished(): boolean;
  /** Runs a next() call's wait for a batch: the application is polling (max.poll.interval.ms). */
  poll<T>(wait: () => Promise<T>): Promise<T>;
}

/**
 * The consumer's async iterator: batches of one partition each. The batch in hand counts as
 * processed (its offsets become committable) when the application asks for the next one or
 * leaves its loop; until then a revocation of its partition waits for it.
 */
export class BatchIterator implements AsyncIterator<ConsumerBatch, undefined> {
  private readonly source: BatchSource;
  private current: { readonly batch: FetchedBatch<ConsumerPartition>; readonly seeks: number } | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(source: BatchSource) {
    this.source = source;
  }

  next(): Promise<IteratorResult<ConsumerBatch, undefined>> {
    this.finishCurrent();
    return this.source.poll(() => this.nextBatch());
  }

  /** Leaving the loop (break) ends processing of the batch in hand. */
  return(): Promise<IteratorResult<ConsumerBatch, undefined>> {
    this.finishCurrent();
    this.stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  /**
   * Stops iterating and lets go of the batch in hand, processed only as far as
   * processedUpTo() said (an Observable unsubscribed in the middle of a batch).
   */
  stop(): void {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) {
      this.source.assignment.release(current.batch.state);
      this.source.changes.notify();
    }
    this.stopped = true;
    this.wake?.();
  }

  /** Records of the batch in hand before `nextOffset` are processed (the Observable's record-by-record progress). */
  processedUpTo(nextOffset: bigint): void {
    const current = this.current;
    if (current !== undefined && this.stillOwned(current)) current.batch.state.processed = nextOffset;
  }

  /** The partition is still this assignment's and not seeked since: what it delivered still counts. */
  private stillOwned({ batch, seeks }: { batch: FetchedBatch<ConsumerPartition>; seeks: number }): boolean {
    return this.source.assignment.has(batch.state) && batch.state.seeks === seeks;
  }

  private finishCurrent(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    if (this.stillOwned(current)) current.batch.state.processed = current.batch.nextOffset;
    this.source.assignment.release(current.batch.state);
    this.source.changes.notify();
  }

  private async nextBatch(): Promise<IteratorResult<ConsumerBatch, undefined>> {
    for (;;) {
      if (this.source.finished() || this.stopped) return { done: true, value: undefined };
      const batch = this.source.take();
      if (batch !== undefined) {
        const state = batch.state;
        state.delivered = batch.nextOffset;
        this.current = { batch, seeks: state.seeks };
        this.source.assignment.hold(state);
        return { done: false, value: { topic: batch.topic, partition: batch.partition, records: batch.records, highWatermark: batch.highWatermark } };
      }
      const { promise, wake } = this.source.changes.wait();
      this.wake = wake;
      await promise;
      this.wake = undefined;
    }
  }
}

/**
 * Every record as an RxJS Observable over a fresh iterator. A record counts as processed once
 * emitted (RxJS subscribers run synchronously); unsubscribing stops consuming.
 */
export function recordObservable(open: () => BatchIterator): Observable<TopicRecord> {
  return new Observable<TopicRecord>((subscriber) => {
    const iterator = open();
    const state = { stopped: false };
    // Unsubscribing may happen inside subscriber.next(): read the flag through a call.
    const isStopped = (): boolean => state.stopped;
    void (async () => {
      try {
        for (;;) {
          const step = await iterator.next();
          if (step.done === true || isStopped()) break;
          const { topic, partition, records } = step.value;
          for (const record of records) {
            // Marked first: a subscriber may unsubscribe inside next(), and the record was emitted.
            iterator.processedUpTo(record.offset + 1n);
            subscriber.next({ ...record, topic, partition });
            if (isStopped()) return;
          }
        }
        subscriber.complete();
      } catch (error) {
        subscriber.error(error);
      }
    })();
    return () => {
      state.stopped = true;
      iterator.stop();
    };
  });
}
