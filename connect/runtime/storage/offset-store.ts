import type { ConnectLogger, JsonValue, SourceOffset, SourcePartition } from '../../api/index.ts';
import { decodeJson, encodeJson, isRecord } from './json-value.ts';
import type { LogRecord, TopicLog } from './topic-log.ts';

/** A stable text for a JSON value: object keys sorted, so equal partitions match whoever wrote them. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

export interface StoredOffset {
  readonly partition: SourcePartition;
  readonly offset: SourceOffset;
}

/**
 * Kafka's KafkaOffsetBackingStore: source offsets in `connect-offsets`, key
 * `["<connector>",{partition}]` and value the offset (null: reset), as Kafka's
 * OffsetStorageWriter writes them, so offsets survive a move between Kafka Connect and Brook.
 */
export class OffsetStore {
  private readonly log: TopicLog;
  private readonly logger: ConnectLogger;
  /** connector → canonical partition → entry */
  private readonly offsets = new Map<string, Map<string, StoredOffset>>();

  constructor(log: TopicLog, logger: ConnectLogger) {
    this.log = log;
    this.logger = logger;
  }

  async start(): Promise<void> {
    await this.log.start((record) => {
      this.replay(record);
    });
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /** The last stored offset of a partition, after reading the topic to its end (as Kafka's reader). */
  async get(connector: string, partition: SourcePartition): Promise<SourceOffset | null> {
    await this.log.readToEnd();
    return this.offsets.get(connector)?.get(canonicalJson(partition))?.offset ?? null;
  }

  /** Every stored offset of a connector. */
  async list(connector: string): Promise<StoredOffset[]> {
    await this.log.readToEnd();
    return [...(this.offsets.get(connector)?.values() ?? [])];
  }

  /** Writes offsets (null resets a partition) and resolves once all are acknowledged. */
  async set(connector: string, entries: readonly { partition: SourcePartition; offset: SourceOffset | null }[]): Promise<void> {
    await Promise.all(entries.map((e) => this.log.send(JSON.stringify([connector, e.partition]), e.offset === null ? null : encodeJson(e.offset))));
  }

  /** Waits until what was written has been replayed (for a reader right after a write). */
  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  replay(record: LogRecord): void {
    const key = decodeJson(Buffer.from(record.key, 'utf8'));
    if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || !isRecord(key[1])) {
      this.logger.warn({ key: record.key }, 'skipping a record of the offsets topic whose key is not ["connector",{partition}]');
      return;
    }
    const connector = key[0];
    const partition = key[1] as Record<string, JsonValue>;
    let byPartition = this.offsets.get(connector);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.offsets.set(connector, byPartition);
    }
    const canonical = canonicalJson(partition);
    const offset = record.value === null ? null : decodeJson(record.value);
    if (offset === null || !isRecord(offset)) byPartition.delete(canonical);
    else byPartition.set(canonical, { partition, offset: offset as Record<string, JsonValue> });
  }
}
