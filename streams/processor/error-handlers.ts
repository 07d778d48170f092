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

/**
 * What the production handler decides: `continue` skips the record, `fail` fails the task.
 * Kafka's enum spellings (`CONTINUE`, `FAIL`) are accepted too.
 */
export type ProductionHandlerResponse = HandlerResponse | 'CONTINUE' | 'FAIL';

/** What the production handler is told about a record a sink could not write, or the broker refused. */
export interface ProductionErrorContext {
  readonly taskId: TaskId;
  /** The sink node. */
  readonly nodeName: string;
  /** The topic the record was meant for. */
  readonly topic: string;
  /**
   * The consumed record the output derives from, with its raw bytes while the task still has
   * them (during its synchronous pass, or always with a dead-letter topic); otherwise its
   * position with null key and value.
   */
  readonly record: InputRecord;
  /** The output record's key and value: before serialization, or (stage `send`) their bytes. */
  readonly key: unknown;
  readonly value: unknown;
  /**
   * What failed: the key or value serializer, or (`send`) the broker refused the record on its
   * own account (too large for the topic's max.message.bytes, invalid), as Kafka's
   * ProductionExceptionHandler.handle hears of it.
   */
  readonly stage: 'serializeKey' | 'serializeValue' | 'send';
  readonly error: unknown;
}

/**
 * Kafka Streams' default.production.exception.handler: `fail` (Kafka's
 * DefaultProductionExceptionHandler), `continue` (log and skip the record), or a function.
 */
export type ProductionExceptionHandler = 'fail' | 'continue' | ((context: ProductionErrorContext) => ProductionHandlerResponse);

/** Runs the production handler; a throwing function or an answer other than continue means fail. */
export function decideProduction(handler: ProductionExceptionHandler, context: ProductionErrorContext, logger: StreamsLogger, what: string): HandlerResponse {
  const facts = {
    task: `${context.taskId.subtopology}_${context.taskId.partition}`,
    node: context.nodeName,
    outputTopic: context.topic,
    topic: context.record.topic,
    partition: context.record.partition,
    offset: context.record.offset.toString(),
    error: context.error instanceof Error ? context.error.message : String(context.error),
  };
  if (handler === 'fail') {
    logger.error(facts, `${what}; failing the task (productionExceptionHandler fail)`);
    return 'fail';
  }
  if (handler === 'continue') {
    logger.warn(facts, `${what}; skipping the record (productionExceptionHandler continue)`);
    return 'continue';
  }
  try {
    const answer = handler(context);
    return answer === 'continue' || answer === 'CONTINUE' ? 'continue' : 'fail';
  } catch (error) {
    logger.error({ ...facts, handlerError: String(error) }, `${what}; the production exception handler threw, failing the task`);
    return 'fail';
  }
}
