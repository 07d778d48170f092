import fs from 'node:fs/promises';
import type { SourceTaskContext } from '../../../connect/api/index.ts';
import { gtidsInclude, retainGtidSources } from '../gtid-set.ts';
import { comparePositions } from '../offset.ts';

/**
 * One DDL statement with the binlog position it was read at (for a snapshot: the snapshot's
 * position, and the table's SHOW CREATE TABLE text). Replaying the entries up to an offset's
 * position rebuilds the tables as they were there.
 */
export interface SchemaHistoryEntry {
  readonly file: string;
  readonly pos: number;
  /**
   * The GTIDs of the transactions before the statement's own (what a restart's offset at the
   * statement holds in `gtids`); for a snapshot, the snapshot's. Null where there were none.
   */
  readonly gtids: string | null;
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
        const entry = JSON.parse(line) as Omit<SchemaHistoryEntry, 'gtids'> & { gtids?: string | null };
        // Lines written before entries kept their GTIDs have none.
        out.push({ ...entry, gtids: entry.gtids ?? null });
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

/** The store a runtime may offer on the task context for the history topic: JSON values in a topic. */
type TopicStore = ReturnType<NonNullable<SourceTaskContext['schemaHistoryStore']>>;

/** Debezium's history record (what its KafkaSchemaHistory writes), as kept in the topic. */
interface DebeziumHistoryRecord {
  readonly source?: { readonly server?: unknown };
  readonly position?: { readonly file?: unknown; readonly pos?: unknown; readonly gtids?: unknown; readonly snapshot?: unknown };
  readonly ts_ms?: unknown;
  readonly databaseName?: unknown;
  readonly ddl?: unknown;
}

/**
 * The history in the runtime's topic, written in Debezium's record format so tools that read a
 * Debezium history topic read this one; records of another server (a shared topic) are skipped.
 */
export class TopicSchemaHistory implements SchemaHistoryStore {
  readonly durable: boolean;
  private readonly topic: TopicStore;
  private readonly server: string;

  constructor(topic: TopicStore, server: string) {
    this.topic = topic;
    this.server = server;
    this.durable = topic.durable;
  }

  async load(): Promise<SchemaHistoryEntry[]> {
    const out: SchemaHistoryEntry[] = [];
    for (const raw of await this.topic.load()) {
      const r = raw as DebeziumHistoryRecord | null;
      if (r === null || typeof r !== 'object' || r.source?.server !== this.server) continue;
      const file = r.position?.file;
      const pos = Number(r.position?.pos);
      if (typeof file !== 'string' || !Number.isSafeInteger(pos) || typeof r.ddl !== 'string') continue;
      out.push({
        file,
        pos,
        gtids: typeof r.position?.gtids === 'string' && r.position.gtids !== '' ? r.position.gtids : null,
        tsMs: Number(r.ts_ms ?? 0),
        database: typeof r.databaseName === 'string' ? r.databaseName : '',
        ddl: r.ddl,
        snapshot: r.position?.snapshot === true,
      });
    }
    return out;
  }

  append(entries: readonly SchemaHistoryEntry[]): Promise<void> {
    return this.topic.append(
      entries.map((e) => ({
        source: { server: this.server },
        position: { ts_sec: Math.floor(e.tsMs / 1000), file: e.file, pos: e.pos, ...(e.gtids !== null ? { gtids: e.gtids } : {}), ...(e.snapshot ? { snapshot: true } : {}) },
        ts_ms: e.tsMs,
        databaseName: e.database,
        ddl: e.ddl,
        tableChanges: [],
      })),
    );
  }
}

export interface HistoryChoice {
  readonly store: SchemaHistoryStore;
  /** The store writes the history topic itself: the task must not also send it history records. */
  readonly writesTopic: boolean;
}

/** Picks the store: the file when configured, else the runtime's topic, else memory. */
export function schemaHistoryStoreOf(
  context: SourceTaskContext,
  options: { readonly topic: string | null; readonly file: string | null; readonly server: string; readonly bootstrapServers: string | null },
): HistoryChoice {
  if (options.file !== null) return { store: new FileSchemaHistory(options.file), writesTopic: false };
  const offered = context.schemaHistoryStore;
  if (typeof offered === 'function' && options.topic !== null) {
    const topic = offered(options.topic, options.bootstrapServers === null ? {} : { bootstrapServers: options.bootstrapServers });
    return { store: new TopicSchemaHistory(topic, options.server), writesTopic: true };
  }
  return { store: new MemorySchemaHistory(false), writesTopic: false };
}

/**
 * The entries that describe the tables at an offset: those of the last snapshot at or before
 * it, then the DDL after that snapshot and strictly before the offset's position (DDL at or past
 * it is read again from the binlog). `gtidSources` (gtid.source.includes/excludes) narrows the
 * GTIDs compared to the sources it accepts.
 */
export function entriesBefore(
  entries: readonly SchemaHistoryEntry[],
  position: { file: string; pos: number; gtids: string | null } | null,
  gtidSources: ((source: string) => boolean) | null = null,
): SchemaHistoryEntry[] {
  const usable = position === null ? [...entries] : entries.filter((e) => isBefore(e, position, gtidSources));
  let lastSnapshotStart = -1;
  for (let i = 0; i < usable.length; i++) {
    if (usable[i]!.snapshot && (i === 0 || !usable[i - 1]!.snapshot)) lastSnapshotStart = i;
  }
  return lastSnapshotStart < 0 ? usable : usable.slice(lastSnapshotStart);
}

/**
 * Whether an entry comes before the offset `position` (a snapshot's entries: at or before), as
 * Debezium's history comparator decides: by GTIDs when both have them, since binlog file names
 * and positions are one server's and differ after a failover; an entry without GTIDs is older
 * than a position with them (GTIDs get turned on, rarely off), one with GTIDs newer than a
 * position without; neither has them: by file and position.
 */
function isBefore(entry: SchemaHistoryEntry, position: { file: string; pos: number; gtids: string | null }, gtidSources: ((source: string) => boolean) | null): boolean {
  if (position.gtids !== null) {
    if (entry.gtids === null) return true;
    const at = gtidSources === null ? position.gtids : retainGtidSources(position.gtids, gtidSources);
    const recorded = gtidSources === null ? entry.gtids : retainGtidSources(entry.gtids, gtidSources);
    if (!gtidsInclude(at, recorded)) return false;
    // The same transactions before both: the statement's own transaction is the one the offset
    // resumes, read again from the binlog; a snapshot's entries are its starting point.
    return entry.snapshot || !gtidsInclude(recorded, at);
  }
  if (entry.gtids !== null) return false;
  return entry.snapshot ? comparePositions(entry, position) <= 0 : comparePositions(entry, position) < 0;
}
