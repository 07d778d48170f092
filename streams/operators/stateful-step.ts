import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { RecordErrorHook } from './record-step.ts';

/**
 * The operator stateful DSL operations are made of. `setup` runs once per subscription (once
 * per task) and gets `emit`, which it may call outside the record pass too: a store's cache
 * flushes on commit, a window closes on a timer. It returns the per-record step. A throw in the
 * step concerns that record only and goes to `onError`, as in recordStep.
 */
export function statefulStep<I, O>(setup: (emit: (output: O) => void) => { step: (input: I) => void; teardown?: () => void }, onError?: RecordErrorHook<I>): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const { step, teardown } = setup((output) => {
        subscriber.next(output);
      });
      const subscription = source.subscribe({
        next(input) {
          try {
            step(input);
          } catch (error) {
            if (onError === undefined) {
              subscriber.error(error);
              return;
            }
            try {
              onError(error, input);
            } catch (fatal) {
              subscriber.error(fatal);
            }
          }
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
        complete: () => {
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        teardown?.();
      };
    });
}
