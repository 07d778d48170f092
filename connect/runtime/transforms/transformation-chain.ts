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
  async apply<R extends ConnectRecord>(record: R, operator: RetryWithToleranceOperator, context: Omit<ProcessingContext, 'stage' | 'executingClass' | 'error'>): Promise<R | null | typeof FAILED> {
    let current: R = record;
    for (const link of this.links) {
      const input = current;
      const outcome = await operator.execute(Stage.TRANSFORMATION, link.className, () => {
        if (link.predicate !== undefined && link.predicate.test(input) === link.negate) return input;
        return link.transformation.apply(input);
      }, { ...context, record: input });
      if (!outcome.ok) return FAILED;
      if (outcome.value === null) return null;
      current = outcome.value;
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
