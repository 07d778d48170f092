import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { SourcePosition } from '../processor/record.ts';

/** How a segment tells the task what it holds; `hold` returns a token that `release` takes back. */
export interface SegmentHooks<T> {
  hold(position: SourcePosition): T;
  release(token: T): void;
}

interface Held<T> {
  readonly offset: bigint;
  readonly token: T;
}

/**
 * Wraps user operators whose inside is unknown (KStream.pipe) so commits never pass a record
 * they still hold. Every input is held from the moment it enters. An output carrying offset `o`
 * of a partition releases every input of that partition with offset <= `o` (acknowledge-up-to,
 * as Reactor Kafka's ReceiverOffset): the operator promises it no longer holds them. Completion
 * releases everything; an error or unsubscribing releases nothing (those records were not done).
 */
export function trackedSegment<I extends SourcePosition, O extends SourcePosition, T>(inner: OperatorFunction<I, O>, hooks: SegmentHooks<T>): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const held = new Map<string, Held<T>[]>();
      const releaseUpTo = (position: SourcePosition): void => {
        const list = held.get(partitionKey(position));
        if (list === undefined || list.length === 0) return;
        const kept: Held<T>[] = [];
        for (const entry of list) {
          if (entry.offset <= position.offset) hooks.release(entry.token);
          else kept.push(entry);
        }
        held.set(partitionKey(position), kept);
      };
      const releaseAll = (): void => {
        for (const list of held.values()) for (const entry of list) hooks.release(entry.token);
        held.clear();
      };
      const entering = new Observable<I>((innerSubscriber) =>
        source.subscribe({
          next(record) {
            const key = partitionKey(record);
            let list = held.get(key);
            if (list === undefined) held.set(key, (list = []));
            list.push({ offset: record.offset, token: hooks.hold(record) });
            innerSubscriber.next(record);
          },
          error: (error: unknown) => {
            innerSubscriber.error(error);
          },
          complete: () => {
            innerSubscriber.complete();
          },
        }),
      );
      return inner(entering).subscribe({
        next(output) {
          // Downstream first: a sink takes its own hold before this one is let go.
          subscriber.next(output);
          releaseUpTo(output);
        },
        error(error: unknown) {
          // The task fails: what the segment held was not done, and stays uncommitted.
          subscriber.error(error);
        },
        complete() {
          releaseAll();
          subscriber.complete();
        },
      });
    });
}

function partitionKey(position: SourcePosition): string {
  return `${position.partition}:${position.topic}`;
}
