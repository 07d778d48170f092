import type { ConfigSchema, Transformation } from '../../api/index.ts';

export const FILTER_CONFIG_SCHEMA = { type: 'object', properties: {} } as const satisfies ConfigSchema;

/** Kafka's Filter (KIP-585): drops every record it is applied to; pair it with a predicate. */
export class Filter implements Transformation {
  configure(): void {
    // No settings: which records are dropped is the predicate's business.
  }

  apply(): null {
    return null;
  }
}
