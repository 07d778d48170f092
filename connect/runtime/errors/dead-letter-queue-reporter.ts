import type { ProducerRecord } from '../../../client/index.ts';
import type { ErrorReporter, ProcessingContext } from './error-reporter.ts';

/** Kafka's DeadLetterQueueReporter header names. */
export const DlqHeader = {
  ORIG_TOPIC: '__connect.errors.topic',
  ORIG_PARTITION: '__connect.errors.partition',
  ORIG_OFFSET: '__connect.errors.offset',
  CONNECTOR_NAME: '__connect.errors.connector.name',
  TASK_ID: '__connect.errors.task.id',
  STAGE: '__connect.errors.stage',
  EXECUTING_CLASS: '__connect.errors.class.name',
  EXCEPTION: '__connect.errors.exception.class.name',
  EXCEPTION_MESSAGE: '__connect.errors.exception.message',
  EXCEPTION_STACK_TRACE: '__connect.errors.exception.stacktrace',
} as const;

export interface DlqOptions {
  readonly topic: string;
  readonly connector: string;
  readonly taskId: number;
  /** errors.deadletterqueue.context.headers.enable */
  readonly contextHeaders: boolean;
  /** Writes one record and resolves when it is acknowledged. */
  readonly send: (record: ProducerRecord) => Promise<unknown>;
  /** For a source record (no original bytes): its key and value as bytes, as well as they can be written. */
  readonly fallbackBytes?: (record: unknown) => { key: Buffer | null; value: Buffer | null };
}

/**
 * Kafka's DeadLetterQueueReporter: a failed sink record's original key, value and headers go to
 * the DLQ topic, with the failure's context in `__connect.errors.*` headers when enabled. A
 * source record has no original bytes: it is written as well as it can be (see fallbackBytes).
 */
export class DeadLetterQueueReporter implements ErrorReporter {
  readonly kind = 'dlq';
  private readonly options: DlqOptions;

  constructor(options: DlqOptions) {
    this.options = options;
  }

  async report(context: ProcessingContext): Promise<void> {
    const consumed = context.consumed;
    let key: Buffer | null = null;
    let value: Buffer | null = null;
    const headers: { key: string; value: Buffer | null }[] = [];
    let timestamp: bigint | undefined;
    if (consumed !== undefined) {
      key = consumed.key;
      value = consumed.value;
      headers.push(...consumed.headers);
      timestamp = consumed.timestamp >= 0n ? consumed.timestamp : undefined;
    } else if (context.record !== undefined && this.options.fallbackBytes !== undefined) {
      ({ key, value } = this.options.fallbackBytes(context.record));
    }
    if (this.options.contextHeaders) {
      const add = (name: string, text: string): void => {
        headers.push({ key: name, value: Buffer.from(text, 'utf8') });
      };
      if (consumed !== undefined) {
        add(DlqHeader.ORIG_TOPIC, consumed.topic);
        add(DlqHeader.ORIG_PARTITION, String(consumed.partition));
        add(DlqHeader.ORIG_OFFSET, consumed.offset.toString());
      }
      add(DlqHeader.CONNECTOR_NAME, this.options.connector);
      add(DlqHeader.TASK_ID, String(this.options.taskId));
      add(DlqHeader.STAGE, context.stage);
      add(DlqHeader.EXECUTING_CLASS, context.executingClass);
      add(DlqHeader.EXCEPTION, context.error.name);
      add(DlqHeader.EXCEPTION_MESSAGE, context.error.message);
      add(DlqHeader.EXCEPTION_STACK_TRACE, context.error.stack ?? `${context.error.name}: ${context.error.message}`);
    }
    await this.options.send({ topic: this.options.topic, key, value, headers, ...(timestamp === undefined ? {} : { timestamp }) });
  }
}
