import type { ConnectRecord, Predicate, Transformation } from '../../api/index.ts';
import type { ConfiguredTransform } from '../config/validate.ts';
import type { ProcessingContext } from '../errors/error-reporter.ts';
import type { RetryWithToleranceOperator } from '../errors/retry-with-tolerance.ts';
import { Stage } from '../errors/stage.ts';

interface Link {
  readonly className: string;
  readonly transformation: Transformation;
  readonly predicate: Predicate | undefined;
  readonly negate: boolean;
}

type TransformContext = Omit<ProcessingContext, 'stage' | 'executingClass' | 'error'>;

function applyLink<R extends ConnectRecord>(link: Link, input: R): R | null {
  if (link.predicate !== undefined && link.predicate.test(input) === link.negate) return input;
  return link.transformation.apply(input);
}

/** A failed record, already reported (or about to fail the task). */
export const FAILED = Symbol('failed');

/**
 * Kafka's TransformationChain: the connector's transforms in order, each applied only where its
 * predicate (negated or not) says so. A transform returning null drops the record.
 */
export class TransformationChain {
  private readonly links: readonly Link[];

  constructor(transforms: readonly ConfiguredTransform[]) {
    this.links = transforms.map((t) => {
      const transformation = t.plugin.create();
      transformation.configure(t.config);
      let predicate: Predicate | undefined;
      if (t.predicate !== undefined) {
        predicate = t.predicate.plugin.create();
        predicate.configure(t.predicate.config);
      }
      return { className: t.plugin.className, transformation, predicate, negate: t.negate };
    });
  }

  get empty(): boolean {
    return this.links.length === 0;
  }

  /** The transformed record, null when dropped, FAILED when a transform failed and the failure was tolerated. */
  async apply<R extends ConnectRecord>(record: R, operator: RetryWithToleranceOperator, context: TransformContext): Promise<R | null | typeof FAILED> {
    return this.applyNow(record, operator, context);
  }

  /**
   * apply without a promise while every transform succeeds (a task's usual case, once per
   * record); only after a transform threw does the rest run asynchronously, through the
   * operator's retries and tolerance.
   */
  applyNow<R extends ConnectRecord>(record: R, operator: RetryWithToleranceOperator, context: TransformContext): R | null | typeof FAILED | Promise<R | null | typeof FAILED> {
    let current: R = record;
    for (let i = 0; i < this.links.length; i++) {
      let next: R | null;
      try {
        next = applyLink(this.links[i]!, current);
      } catch (error) {
        return this.applyAfterFailure(i, current, error, operator, context);
      }
      if (next === null) return null;
      current = next;
    }
    return current;
  }

  private async applyAfterFailure<R extends ConnectRecord>(failed: number, input: R, error: unknown, operator: RetryWithToleranceOperator, context: TransformContext): Promise<R | null | typeof FAILED> {
    const link = this.links[failed]!;
    const outcome = await operator.retry(Stage.TRANSFORMATION, link.className, () => applyLink(link, input), error, { ...context, record: input });
    if (!outcome.ok) return FAILED;
    if (outcome.value === null) return null;
    let current = outcome.value;
    for (let i = failed + 1; i < this.links.length; i++) {
      const next = this.links[i]!;
      const value = current;
      const result = await operator.execute(Stage.TRANSFORMATION, next.className, () => applyLink(next, value), { ...context, record: value });
      if (!result.ok) return FAILED;
      if (result.value === null) return null;
      current = result.value;
    }
    return current;
  }

  close(): void {
    for (const link of this.links) {
      link.transformation.close?.();
      link.predicate?.close?.();
    }
  }
}
