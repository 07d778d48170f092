import type { InputRecord, TaskId } from './task-api.ts';

/** What a handler decides for a record that failed. */
export type HandlerResponse = 'fail' | 'continue';

/** What a handler is told. */
export interface ErrorContext {
  readonly taskId: TaskId;
  /** The task input the failure belongs to, as consumed (raw bytes). */
  readonly record: InputRecord;
  /** The node that failed: the source for deserialization errors, else the processor. */
  readonly nodeName: string;
  readonly error: unknown;
}

/**
 * Kafka Streams' handlers by name (LogAndFailExceptionHandler, LogAndContinueExceptionHandler),
 * or a function of the failure.
 */
export type ExceptionHandler = 'logAndFail' | 'logAndContinue' | ((context: ErrorContext) => HandlerResponse);

/** The subset of pino the task logs through. */
export interface StreamsLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** Progress lines (restore); optional so a warn/error-only logger fits. */
  info?(fields: object, message: string): void;
}

export const silentLogger: StreamsLogger = {
  warn: () => undefined,
  error: () => undefined,
};

/** Runs a handler: the named ones log, a function decides. A throwing handler means fail. */
export function decide(handler: ExceptionHandler, context: ErrorContext, logger: StreamsLogger, what: string): HandlerResponse {
  if (handler === 'logAndFail') {
    logger.error(fields(context), `${what}; failing the task (logAndFail)`);
    return 'fail';
  }
  if (handler === 'logAndContinue') {
    logger.warn(fields(context), `${what}; skipping the record (logAndContinue)`);
    return 'continue';
  }
  try {
    return handler(context) === 'continue' ? 'continue' : 'fail';
  } catch (error) {
    logger.error({ ...fields(context), handlerError: String(error) }, `${what}; the exception handler threw, failing the task`);
    return 'fail';
  }
}

function fields(context: ErrorContext): object {
  const { record } = context;
  return {
    task: `${context.taskId.subtopology}_${context.taskId.partition}`,
    node: context.nodeName,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    error: context.error instanceof Error ? context.error.message : String(context.error),
  };
}
