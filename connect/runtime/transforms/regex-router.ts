import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';

export const REGEX_ROUTER_CONFIG_SCHEMA = {
  type: 'object',
  required: ['regex', 'replacement'],
  properties: {
    regex: { type: 'string', minLength: 1, description: 'Regular expression to use for matching.' },
    replacement: { type: 'string', description: 'Replacement string.' },
  },
} as const satisfies ConfigSchema;
type RegexRouterConfig = FromSchema<typeof REGEX_ROUTER_CONFIG_SCHEMA>;

/** Kafka's RegexRouter: renames the topic when the whole name matches (Java's Matcher.matches). */
export class RegexRouter implements Transformation<RegexRouterConfig> {
  private regex = /$^/;
  private replacement = '';

  configure(config: RegexRouterConfig): void {
    try {
      // Anchored: Java's matches() requires the whole topic to match.
      this.regex = new RegExp(`^(?:${config.regex})$`);
    } catch (err) {
      throw dataError(`Invalid regex: ${(err as Error).message}`, err);
    }
    this.replacement = config.replacement;
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (!this.regex.test(record.topic)) return record;
    return { ...record, topic: record.topic.replace(this.regex, this.replacement) };
  }
}
