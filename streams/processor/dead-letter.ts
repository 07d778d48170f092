import type { Header } from './record.ts';
import type { InputRecord, OutputRecord } from './task-api.ts';

/** KIP-1034's header names, so tools written for Kafka Streams' dead letters read Brook's. */
export const DeadLetterHeaders = {
  EXCEPTION: '__streams.errors.exception',
  MESSAGE: '__streams.errors.message',
  STACKTRACE: '__streams.errors.stacktrace',
  TOPIC: '__streams.errors.topic',
  PARTITION: '__streams.errors.partition',
  OFFSET: '__streams.errors.offset',
} as const;

/** The consumed record as it was (raw key and value), its headers, and what went wrong. */
export function deadLetterRecord(topic: string, record: InputRecord, error: unknown): OutputRecord {
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  const failure = error instanceof Error ? error : undefined;
  const headers: Header[] = [
    ...record.headers,
    { key: DeadLetterHeaders.EXCEPTION, value: text(failure === undefined ? typeof error : errorName(failure)) },
    { key: DeadLetterHeaders.MESSAGE, value: text(failure?.message ?? String(error)) },
    { key: DeadLetterHeaders.STACKTRACE, value: text(failure?.stack ?? '') },
    { key: DeadLetterHeaders.TOPIC, value: text(record.topic) },
    { key: DeadLetterHeaders.PARTITION, value: text(String(record.partition)) },
    { key: DeadLetterHeaders.OFFSET, value: text(record.offset.toString()) },
  ];
  return { topic, key: record.key, value: record.value, headers, timestamp: Number(record.timestamp), partition: undefined };
}

/** `SerdeError(ERR_SERDE_DESERIALIZE)`: the class and, for Brook's errors, the stable code. */
function errorName(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name}(${code})` : error.name;
}
