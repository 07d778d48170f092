import type { ConnectRecord } from './records.ts';

/**
 * Kafka's Transformation (a single message transform, SMT). apply() returns a new record (never
 * changes its argument) or null to drop the record. The record type is kept, so a transform
 * built with `{ ...record, ... }` works on source and sink records alike.
 */
export interface Transformation<Config = Readonly<Record<string, unknown>>> {
  /** `config` is the `transforms.<alias>.*` settings (prefix removed), validated with defaults. */
  configure(config: Config): void;
  apply<R extends ConnectRecord>(record: R): R | null;
  close?(): void;
}

/** Kafka's Predicate (KIP-585): decides whether a transform applies to a record. */
export interface Predicate<Config = Readonly<Record<string, unknown>>> {
  configure(config: Config): void;
  test(record: ConnectRecord): boolean;
  close?(): void;
}
