import { ajv, formatAjvErrors } from '../../../../../core/base/index.ts';
import type { ConfigSchema, Schema, SinkRecord, SourceRecord } from '../../../../../connect/api/index.ts';

/** A source record with a value (and no key), for transform tests. */
export function sourceRecord(valueSchema: Schema | null, value: unknown, extra: Partial<SourceRecord> = {}): SourceRecord {
  return {
    topic: 'orders',
    kafkaPartition: null,
    keySchema: null,
    key: null,
    valueSchema,
    value,
    timestamp: 1_700_000_000_000,
    headers: [],
    sourcePartition: { file: 'f' },
    sourceOffset: { position: 1 },
    ...extra,
  };
}

export function sinkRecord(valueSchema: Schema | null, value: unknown): SinkRecord {
  return {
    topic: 'orders',
    kafkaPartition: 2,
    keySchema: null,
    key: null,
    valueSchema,
    value,
    timestamp: 1_700_000_000_000,
    headers: [],
    kafkaOffset: 42n,
    timestampType: 'CreateTime',
    originalTopic: 'orders',
    originalKafkaPartition: 2,
    originalKafkaOffset: 42n,
  };
}

/** A transform's config as the runtime hands it over: validated against its schema, defaults filled in. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the configure() parameter it is passed to.
export function configOf<T>(schema: ConfigSchema, raw: Record<string, unknown>): T {
  const validate = ajv.compile(schema);
  const data = structuredClone(raw);
  if (!validate(data)) throw new Error(formatAjvErrors(validate.errors, 'config'));
  return data as T;
}
