import type { Stage } from './stage.ts';

/** The original Kafka record of a sink task (for the DLQ: its bytes are written back unchanged). */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

/** What failed, where, and on which record (Kafka's ProcessingContext). */
export interface ProcessingContext {
  readonly stage: Stage;
  /** The class (plugin name) that was executing: the converter, transform or task. */
  readonly executingClass: string;
  readonly error: Error;
  /** The consumed record, for sink tasks. */
  readonly consumed?: ConsumedRecord;
  /** The record being processed (a SourceRecord or SinkRecord), for logs and source DLQ records. */
  readonly record?: unknown;
}

/** Kafka's ErrorReporter: the log reporter and the dead letter queue reporter. */
export interface ErrorReporter {
  readonly kind: 'log' | 'dlq';
  report(context: ProcessingContext): Promise<void>;
  close?(): Promise<void>;
}
