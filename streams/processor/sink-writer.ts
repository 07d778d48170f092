import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { deadLetterRecord } from './dead-letter.ts';
import { decideProduction } from './error-handlers.ts';
import type { StreamsLogger } from './error-handlers.ts';
import type { AnyRecord, SinkNode } from './nodes.ts';
import type { SourcePosition } from './record.ts';
import type { InputRecord, OutputRecord, TaskId, TaskOptions } from './task-api.ts';

/** Why a sink could not turn a record into an OutputRecord. */
export class SinkFailure {
  /** `route`: the topic extractor or the partitioner failed; otherwise a serializer did. */
  readonly stage: 'route' | 'serializeKey' | 'serializeValue';
  /** The resolved topic; undefined when the topic extractor itself failed. */
  readonly topic: string | undefined;
  readonly error: unknown;

  constructor(stage: SinkFailure['stage'], topic: string | undefined, error: unknown) {
    this.stage = stage;
    this.topic = topic;
    this.error = error;
  }
}

/**
 * A sink's output for one record: the topic (static, prefixed when internal, or the
 * extractor's), key and value serialized with the sink's serdes, the partitioner's partition.
 * Failures come back as a SinkFailure (no throw on the per-record path).
 */
export function sinkOutput(node: SinkNode, keySerde: Serde<unknown>, valueSerde: Serde<unknown>, record: AnyRecord, options: Pick<TaskOptions, 'applicationId' | 'collector'>): OutputRecord | SinkFailure {
  let topic: string;
  try {
    topic = typeof node.topic === 'string' ? (node.internal ? `${options.applicationId}-${node.topic}` : node.topic) : node.topic(record.key, record.value, record);
  } catch (error) {
    return new SinkFailure('route', undefined, error);
  }
  const context = { topic };
  let key: Buffer | null;
  let value: Buffer | null;
  try {
    key = keySerde.serialize(record.key, context);
  } catch (error) {
    return new SinkFailure('serializeKey', topic, error);
  }
  try {
    value = valueSerde.serialize(record.value, context);
  } catch (error) {
    return new SinkFailure('serializeValue', topic, error);
  }
  let partition: number | undefined;
  if (node.partitioner !== undefined) {
    const count = options.collector.partitionCount(topic);
    if (count !== undefined) {
      try {
        partition = node.partitioner(topic, record.key, record.value, count);
      } catch (error) {
        return new SinkFailure('route', topic, error);
      }
      if (partition !== undefined && (!Number.isInteger(partition) || partition < 0 || partition >= count)) {
        return new SinkFailure('route', topic, new RangeError(`the partitioner chose partition ${partition} of topic '${topic}', which has ${count}`));
      }
    }
  }
  return { topic, key, value, headers: record.headers, timestamp: record.timestamp, partition };
}

/** What the task lends both production-error paths. */
interface FailureContext {
  readonly taskId: TaskId;
  readonly label: string;
  readonly node: SinkNode;
  /** The consumed record it derives from, when the task still has its bytes. */
  readonly raw: InputRecord | undefined;
  readonly options: Pick<TaskOptions, 'productionExceptionHandler' | 'deadLetterQueueTopic'>;
  readonly logger: StreamsLogger;
  readonly send: (record: OutputRecord, source: SourcePosition) => void;
}

/** What the task lends the path of a record the sink could not write. */
export interface SinkFailureContext extends FailureContext {
  /** The record the sink was given. */
  readonly record: AnyRecord;
}

/**
 * Decides what a sink failure does. A record that cannot be serialized goes to the production
 * handler (Kafka's default.production.exception.handler): `fail` (the default) or `continue`
 * (the record is skipped); with a dead-letter topic the consumed record is written there first,
 * either way, as for the other handlers. A routing failure (topic extractor, partitioner) fails
 * the task. Returns the error to fail the task with, or undefined to go on.
 */
export function productionFailure(failure: SinkFailure, context: SinkFailureContext): StreamsError | undefined {
  const { node, record, label } = context;
  const from = `the record in topic '${record.topic}' partition ${record.partition} at offset ${record.offset}`;
  if (failure.stage === 'route' || failure.topic === undefined) {
    return new StreamsError(StreamsErrorCode.PRODUCTION, `task ${label}: ${node.name} cannot write ${from}: ${messageOf(failure.error)}`, { cause: failure.error });
  }
  const part = failure.stage === 'serializeKey' ? 'key' : 'value';
  const what = `${node.name} cannot serialize the ${part} of ${from} for topic '${failure.topic}': ${messageOf(failure.error)}`;
  const raw = context.raw ?? withoutBytes(record, record);
  return handOver(context, { topic: failure.topic, raw, key: record.key, value: record.value, stage: failure.stage, error: failure.error, what, source: record });
}

/** What the task lends the path of a record the broker refused. */
export interface SendFailureContext extends FailureContext {
  /** The record as sent. */
  readonly output: OutputRecord;
  /** The consumed record it derives from. */
  readonly source: SourcePosition;
}

/**
 * Decides what a record the broker refused on its own account does (Kafka's RecordCollectorImpl
 * hands such errors to the production handler): `continue` skips it, `fail` (the default) fails
 * the task; a dead-letter topic gets the consumed record either way. Returns the error to fail
 * the task with, or undefined to go on.
 */
export function sendFailure(error: Error, context: SendFailureContext): StreamsError | undefined {
  const { node, output, source } = context;
  const what = `topic '${output.topic}' refused the record ${node.name} wrote for the record in topic '${source.topic}' partition ${source.partition} at offset ${source.offset}: ${messageOf(error)}`;
  const raw = context.raw ?? withoutBytes(source, output);
  return handOver(context, { topic: output.topic, raw, key: output.key, value: output.value, stage: 'send', error, what, source });
}

/** One failed record as the production handler sees it. */
interface ProductionFailure {
  readonly topic: string;
  readonly raw: InputRecord;
  readonly key: unknown;
  readonly value: unknown;
  readonly stage: 'serializeKey' | 'serializeValue' | 'send';
  readonly error: unknown;
  /** What went wrong, for the log and the task's error. */
  readonly what: string;
  readonly source: SourcePosition;
}

/**
 * Asks the production handler, writes the consumed record to the dead-letter topic when there is
 * one (whatever the handler said), and returns the error to fail the task with, if any.
 */
/** The consumed record at `at` when the task no longer has its bytes: its position, and the headers and timestamp it carried. */
function withoutBytes(at: SourcePosition, carried: { readonly headers: InputRecord['headers']; readonly timestamp: number }): InputRecord {
  return { topic: at.topic, partition: at.partition, offset: at.offset, key: null, value: null, headers: carried.headers, timestamp: BigInt(Math.trunc(carried.timestamp)) };
}

function handOver(context: FailureContext, failure: ProductionFailure): StreamsError | undefined {
  const { raw, error, what } = failure;
  const response = decideProduction(
    context.options.productionExceptionHandler ?? 'fail',
    { taskId: context.taskId, nodeName: context.node.name, topic: failure.topic, record: raw, key: failure.key, value: failure.value, stage: failure.stage, error },
    context.logger,
    what,
  );
  const dlq = context.options.deadLetterQueueTopic;
  if (dlq !== undefined) context.send(deadLetterRecord(dlq, raw, error), failure.source);
  return response === 'continue' ? undefined : new StreamsError(StreamsErrorCode.PRODUCTION, `task ${context.label}: ${what}`, { cause: error });
}
