import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Predicate } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';

export const TOPIC_NAME_MATCHES_CONFIG_SCHEMA = {
  type: 'object',
  required: ['pattern'],
  properties: { pattern: { type: 'string', minLength: 1, description: 'A Java regular expression for matching against the name of a record\'s topic.' } },
} as const satisfies ConfigSchema;
type TopicNameMatchesConfig = FromSchema<typeof TOPIC_NAME_MATCHES_CONFIG_SCHEMA>;

/** Kafka's TopicNameMatches: true when the whole topic name matches the pattern. */
export class TopicNameMatches implements Predicate<TopicNameMatchesConfig> {
  private pattern = /$^/;

  configure(config: TopicNameMatchesConfig): void {
    try {
      this.pattern = new RegExp(`^(?:${config.pattern})$`);
    } catch (err) {
      throw dataError(`Invalid regex: ${(err as Error).message}`, err);
    }
  }

  test(record: ConnectRecord): boolean {
    return this.pattern.test(record.topic);
  }
}

export const HAS_HEADER_KEY_CONFIG_SCHEMA = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, description: 'The header name.' } },
} as const satisfies ConfigSchema;
type HasHeaderKeyConfig = FromSchema<typeof HAS_HEADER_KEY_CONFIG_SCHEMA>;

/** Kafka's HasHeaderKey: true when the record has at least one header with this key. */
export class HasHeaderKey implements Predicate<HasHeaderKeyConfig> {
  private name = '';

  configure(config: HasHeaderKeyConfig): void {
    this.name = config.name;
  }

  test(record: ConnectRecord): boolean {
    return record.headers.some((h) => h.key === this.name);
  }
}

export const RECORD_IS_TOMBSTONE_CONFIG_SCHEMA = { type: 'object', properties: {} } as const satisfies ConfigSchema;

/** Kafka's RecordIsTombstone: true for a record whose value is null. */
export class RecordIsTombstone implements Predicate {
  configure(): void {
    // No settings.
  }

  test(record: ConnectRecord): boolean {
    return record.value === null || record.value === undefined;
  }
}
