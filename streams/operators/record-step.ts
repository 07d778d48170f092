import type { OperatorFunction } from 'rxjs';
import { statefulStep } from './stateful-step.ts';

/**
 * Called when a step throws for one record. Returning drops the record and carries on (the
 * processing handler said continue); throwing ends the stream with that error (it said fail).
 */
export type RecordErrorHook<I> = (error: unknown, record: I) => void;

/**
 * The operator every synchronous DSL operation is made of: `step` sees each input and may emit
 * any number of outputs. A throw in `step` concerns that record only — it goes to `onError`
 * instead of ending the stream as RxJS would — so one bad record never kills a healthy topology.
 * Without `onError` the error ends the stream, as in plain RxJS.
 */
export function recordStep<I, O>(step: (input: I, emit: (output: O) => void) => void, onError?: RecordErrorHook<I>): OperatorFunction<I, O> {
  return statefulStep<I, O>(
    (emit) => ({
      step: (input) => {
        step(input, emit);
      },
    }),
    onError,
  );
}
