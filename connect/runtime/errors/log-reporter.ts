import type { ConnectLogger } from '../../api/index.ts';
import type { ErrorReporter, ProcessingContext } from './error-reporter.ts';

/**
 * Kafka's LogReporter (errors.log.enable): one error line per failure with its stage, class and
 * record position; the record itself only with errors.log.include.messages.
 */
export class LogReporter implements ErrorReporter {
  readonly kind = 'log';
  private readonly logger: ConnectLogger;
  private readonly includeMessages: boolean;

  constructor(logger: ConnectLogger, includeMessages: boolean) {
    this.logger = logger;
    this.includeMessages = includeMessages;
  }

  report(context: ProcessingContext): Promise<void> {
    const consumed = context.consumed;
    const fields: Record<string, unknown> = {
      err: context.error,
      stage: context.stage,
      class: context.executingClass,
      ...(consumed === undefined ? {} : { topic: consumed.topic, partition: consumed.partition, offset: consumed.offset.toString() }),
    };
    if (this.includeMessages && context.record !== undefined) fields['record'] = describeRecord(context.record);
    this.logger.error(fields, `Error encountered in task. Executing stage '${context.stage}' with class '${context.executingClass}'.`);
    return Promise.resolve();
  }
}

function describeRecord(record: unknown): string {
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v));
  } catch {
    return '<unprintable record>';
  }
}
