import fs from 'node:fs/promises';
import type { SourceTaskContext } from '../../../connect/api/index.ts';
import { comparePositions } from '../offset.ts';

/**
 * One DDL statement with the binlog position it was read at (for a snapshot: the snapshot's
 * position, and the table's SHOW CREATE TABLE text). Replaying the entries up to an offset's
 * position rebuilds the tables as they were there.
 */
export interface SchemaHistoryEntry {
  readonly file: string;
  readonly pos: number;
  readonly tsMs: number;
  /** The default database the statement ran in. */
  readonly database: string;
  readonly ddl: string;
  /** Written by a snapshot: replay starts at the last snapshot's entries, dropping older ones. */
  readonly snapshot: boolean;
}

/**
 * Where the history lives. Debezium keeps it in a Kafka topic it reads with its own consumer;
 * a Connect task here has no consumer, so the store is an interface:
 * - the runtime may offer one on the task context (`schemaHistoryStore(topic)`, see
 *   `schemaHistoryStoreOf`), backed by the schema.history.internal.kafka.topic;
 * - `FileSchemaHistory` keeps it in schema.history.internal.file.filename (Debezium's
 *   FileSchemaHistory), for a worker that offers none;
 * - `MemorySchemaHistory` for tests, and as the last resort (then a restart rebuilds the tables
 *   from the server's current definitions, with a warning).
 * The task also writes each entry to the history topic as a record, in Debezium's format, so the
 * topic holds the same history for tools that read it.
 */
export interface SchemaHistoryStore {
  /** Every entry, oldest first. */
  load(): Promise<SchemaHistoryEntry[]>;
  /** Stores entries durably before resolving. */
  append(entries: readonly SchemaHistoryEntry[]): Promise<void>;
  /** Whether entries survive a restart of the process. */
  readonly durable: boolean;
}

export class MemorySchemaHistory implements SchemaHistoryStore {
  readonly entries: SchemaHistoryEntry[] = [];
  readonly durable: boolean;

  /** `durable`: whether the test treats it as surviving task restarts (it is shared between them). */
  constructor(durable = true) {
    this.durable = durable;
  }

  load(): Promise<SchemaHistoryEntry[]> {
    return Promise.resolve([...this.entries]);
  }

  append(entries: readonly SchemaHistoryEntry[]): Promise<void> {
    this.entries.push(...entries);
    return Promise.resolve();
  }
}

/** JSON lines in a file, appended and fsynced per batch. */
export class FileSchemaHistory implements SchemaHistoryStore {
  readonly durable = true;
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async load(): Promise<SchemaHistoryEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: SchemaHistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as SchemaHistoryEntry);
      } catch {
        // A line torn by a crash mid-append: everything before it stands.
        break;
      }
    }
    return out;
  }

  async append(entries: readonly SchemaHistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const handle = await fs.open(this.path, 'a');
    try {
      await handle.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

/** The context member a runtime may offer for the history topic. */
interface HistoryCapableContext {
  readonly schemaHistoryStore?: (topic: string) => SchemaHistoryStore;
}

/** Picks the store: the file when configured, else the runtime's, else memory. */
export function schemaHistoryStoreOf(context: SourceTaskContext, topic: string | null, file: string | null): SchemaHistoryStore {
  if (file !== null) return new FileSchemaHistory(file);
  const offered = (context as SourceTaskContext & HistoryCapableContext).schemaHistoryStore;
  if (typeof offered === 'function') return offered(topic ?? 'schema-history');
  return new MemorySchemaHistory(false);
}

/**
 * The entries that describe the tables at an offset: those of the last snapshot at or before
 * it, then the DDL after that snapshot and strictly before the offset's position (DDL at or past
 * it is read again from the binlog).
 */
export function entriesBefore(entries: readonly SchemaHistoryEntry[], position: { file: string; pos: number } | null): SchemaHistoryEntry[] {
  const usable = position === null ? [...entries] : entries.filter((e) => (e.snapshot ? comparePositions(e, position) <= 0 : comparePositions(e, position) < 0));
  let lastSnapshotStart = -1;
  for (let i = 0; i < usable.length; i++) {
    if (usable[i]!.snapshot && (i === 0 || !usable[i - 1]!.snapshot)) lastSnapshotStart = i;
  }
  return lastSnapshotStart < 0 ? usable : usable.slice(lastSnapshotStart);
}
