import type { Scheduler } from '../../../core/base/index.ts';
import { ConnectError, ConnectErrorCode } from '../../api/index.ts';
import type { ErrorReporter, ProcessingContext } from './error-reporter.ts';
import { Stage } from './stage.ts';

/** Kafka's first retry delay (RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS). */
export const RETRY_DELAY_MIN_MS = 300;

export interface ToleranceConfig {
  /** errors.retry.timeout: 0 no retries, -1 forever. */
  readonly retryTimeoutMs: number;
  /** errors.retry.delay.max.ms */
  readonly retryDelayMaxMs: number;
  /** errors.tolerance */
  readonly tolerance: 'none' | 'all';
}

/** Stages where any error is tolerable (Kafka's TOLERABLE_EXCEPTIONS), plus put: a bad record is skipped. */
const TOLERATES_ANY: ReadonlySet<Stage> = new Set([Stage.KEY_CONVERTER, Stage.VALUE_CONVERTER, Stage.HEADER_CONVERTER, Stage.TRANSFORMATION, Stage.TASK_PUT]);

/** Whether an error, or one in its cause chain, says trying again may work. */
export function isRetriable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true;
  }
  return false;
}

function toError(caught: unknown): Error {
  return caught instanceof Error ? caught : new Error(String(caught));
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

/**
 * Kafka's RetryWithToleranceOperator: runs one stage of a record's processing, retries a
 * retriable failure with exponential backoff (300 ms doubling, capped at errors.retry.delay.max.ms)
 * for up to errors.retry.timeout, then either tolerates it (errors.tolerance=all: reported to the
 * log and the DLQ, the record skipped) or fails the task ("Tolerance exceeded in error handler").
 */
export class RetryWithToleranceOperator {
  private readonly config: ToleranceConfig;
  private readonly scheduler: Scheduler;
  private readonly reporters: ErrorReporter[];
  private stopped = false;
  /** Errors tolerated so far (for status and tests). */
  totalErrors = 0;

  constructor(config: ToleranceConfig, scheduler: Scheduler, reporters: readonly ErrorReporter[] = []) {
    this.config = config;
    this.scheduler = scheduler;
    this.reporters = [...reporters];
  }

  get toleratesAll(): boolean {
    return this.config.tolerance === 'all';
  }

  /** Ends waits between retries (the task is stopping). */
  stop(): void {
    this.stopped = true;
  }

  async execute<T>(stage: Stage, executingClass: string, operation: () => T | Promise<T>, context: Omit<ProcessingContext, 'stage' | 'executingClass' | 'error'> = {}): Promise<Outcome<T>> {
    const start = this.scheduler.now();
    try {
      return { ok: true, value: await operation() };
    } catch (caught) {
      return this.retry(stage, executingClass, operation, caught, context, start);
    }
  }

  /**
   * What execute does once a first attempt, begun at `start`, failed with `error`: retries,
   * then tolerates or fails. A task's per-record stages (converters, transforms) make their
   * first attempt themselves, synchronously: a record that converts needs no promise and no
   * outcome, and only a failure comes here.
   */
  async retry<T>(
    stage: Stage,
    executingClass: string,
    operation: () => T | Promise<T>,
    error: unknown,
    context: Omit<ProcessingContext, 'stage' | 'executingClass' | 'error'> = {},
    start = this.scheduler.now(),
  ): Promise<Outcome<T>> {
    let delay = RETRY_DELAY_MIN_MS;
    for (let failure = toError(error); ; ) {
      const elapsed = this.scheduler.now() - start;
      const timeout = this.config.retryTimeoutMs;
      if (!isRetriable(failure) || this.stopped || (timeout !== -1 && elapsed + delay > timeout)) return this.handle(stage, executingClass, failure, context);
      await this.scheduler.sleep(Math.min(delay, this.config.retryDelayMaxMs));
      delay = Math.min(delay * 2, Math.max(this.config.retryDelayMaxMs, RETRY_DELAY_MIN_MS));
      try {
        return { ok: true, value: await operation() };
      } catch (caught) {
        failure = toError(caught);
      }
    }
  }

  /** The same as execute for work that is synchronous and cannot be retried usefully without waiting. */
  async handle<T>(stage: Stage, executingClass: string, error: Error, context: Omit<ProcessingContext, 'stage' | 'executingClass' | 'error'>): Promise<Outcome<T>> {
    if (!TOLERATES_ANY.has(stage) && !isRetriable(error)) throw error;
    this.totalErrors++;
    const full: ProcessingContext = { ...context, stage, executingClass, error };
    if (this.config.tolerance === 'none') {
      // Kafka logs the failure (errors.log.enable) but sends nothing to the DLQ before failing.
      for (const reporter of this.reporters) if (reporter.kind === 'log') await reporter.report(full);
      throw new ConnectError(ConnectErrorCode.CONNECT, 'Tolerance exceeded in error handler', { cause: error });
    }
    for (const reporter of this.reporters) await reporter.report(full);
    return { ok: false, error };
  }

  async close(): Promise<void> {
    this.stop();
    for (const reporter of this.reporters) await reporter.close?.();
  }
}
