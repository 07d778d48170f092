import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';

export const TIMESTAMP_ROUTER_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'topic.format': {
      type: 'string',
      minLength: 1,
      default: '${topic}-${timestamp}',
      description: 'Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively.',
    },
    'timestamp.format': {
      type: 'string',
      minLength: 1,
      default: 'yyyyMMdd',
      description: 'Format string for the timestamp that is compatible with java.text.SimpleDateFormat (in UTC).',
    },
  },
} as const satisfies ConfigSchema;
type TimestampRouterConfig = FromSchema<typeof TIMESTAMP_ROUTER_CONFIG_SCHEMA>;

/** Kafka's TimestampRouter: appends the record's timestamp (formatted in UTC) to its topic. */
export class TimestampRouter implements Transformation<TimestampRouterConfig> {
  private topicFormat = '${topic}-${timestamp}';
  private format: (date: Date) => string = () => '';

  configure(config: TimestampRouterConfig): void {
    this.topicFormat = config['topic.format'];
    this.format = simpleDateFormat(config['timestamp.format']);
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.timestamp === null) throw dataError(`Timestamp missing on record: ${record.topic}`);
    const formatted = this.format(new Date(record.timestamp));
    return { ...record, topic: this.topicFormat.replaceAll('${topic}', record.topic).replaceAll('${timestamp}', formatted) };
  }
}

/**
 * The SimpleDateFormat patterns topic names use, in UTC: y (year), M (month), d (day), H (hour),
 * m (minute), s (second), S (millisecond), text in single quotes; other letters are refused.
 */
export function simpleDateFormat(pattern: string): (date: Date) => string {
  const parts: ((d: Date) => string)[] = [];
  const re = /'([^']*)'|([a-zA-Z])\2*|[^a-zA-Z']+/g;
  for (const match of pattern.matchAll(re)) {
    const token = match[0];
    if (match[1] !== undefined) {
      const literal = match[1] === '' ? "'" : match[1];
      parts.push(() => literal);
      continue;
    }
    if (match[2] === undefined) {
      parts.push(() => token);
      continue;
    }
    const width = token.length;
    const pad = (n: number): string => String(n).padStart(width, '0');
    switch (match[2]) {
      case 'y':
        parts.push((d) => (width === 2 ? String(d.getUTCFullYear() % 100).padStart(2, '0') : pad(d.getUTCFullYear())));
        break;
      case 'M':
        parts.push((d) => pad(d.getUTCMonth() + 1));
        break;
      case 'd':
        parts.push((d) => pad(d.getUTCDate()));
        break;
      case 'H':
        parts.push((d) => pad(d.getUTCHours()));
        break;
      case 'm':
        parts.push((d) => pad(d.getUTCMinutes()));
        break;
      case 's':
        parts.push((d) => pad(d.getUTCSeconds()));
        break;
      case 'S':
        parts.push((d) => pad(d.getUTCMilliseconds()));
        break;
      default:
        throw dataError(`unsupported letter "${match[2]}" in timestamp.format "${pattern}": use y, M, d, H, m, s, S`);
    }
  }
  return (date) => parts.map((p) => p(date)).join('');
}
