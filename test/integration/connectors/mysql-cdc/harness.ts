/**
 * Runs MySqlCdcTask as the worker would (initialize, start, poll, stop) against a private
 * MariaDB, and reads its records as the JSON converter with schemas writes them.
 */
import type { ExecutionContext } from 'ava';
import type { ConnectLogger, SourceOffset, SourceRecord, SourceTaskContext } from '../../../../connect/api/index.ts';
import { JsonConverter } from '../../../../connect/runtime/converters/json-converter.ts';
import { systemScheduler } from '../../../../core/base/index.ts';
import type { Scheduler } from '../../../../core/base/index.ts';
import { MySqlCdcTask } from '../../../../connectors/mysql-cdc/index.ts';
import type { MySqlCdcTaskHooks } from '../../../../connectors/mysql-cdc/task.ts';
import type { PrivateMariaDb } from '../../../helpers/mariadb.ts';
import { pollUntil } from '../../../helpers/wait-for.ts';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** What Brook's worker offers as the history topic (JSON values), kept in memory across restarts. */
export class MemoryTopic {
  readonly durable = true;
  readonly values: unknown[] = [];
  load(): Promise<unknown[]> {
    return Promise.resolve(this.values.map((v) => structuredClone(v)));
  }
  append(values: readonly unknown[]): Promise<void> {
    this.values.push(...values.map((v) => structuredClone(v)));
    return Promise.resolve();
  }
}

export interface Harness {
  task: MySqlCdcTask;
  history: MemoryTopic;
  /** Reads records until `n` have arrived (polls with a deadline; the task waits inside poll). */
  take(n: number): Promise<SourceRecord[]>;
}

/** A MariaDB connector config for `prefix` (also the captured database) on 127.0.0.1:`port` as root. */
export function cdcConfig(port: number, prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'database.hostname': '127.0.0.1',
    'database.port': String(port),
    'database.user': 'root',
    'database.password': '',
    'database.server.id': '5401',
    'topic.prefix': prefix,
    'database.include.list': prefix,
    'schema.history.internal.kafka.topic': `schema-changes.${prefix}`,
    'schema.history.internal.kafka.bootstrap.servers': 'localhost:9092',
    'poll.interval.ms': '50',
    ...extra,
  };
}

/** Starts a task with `offset` as its stored offset; stopped when the test ends. */
export interface StartOptions {
  readonly hooks?: MySqlCdcTaskHooks;
  /** Collects the task's log messages (`level: message`). */
  readonly logs?: string[];
  /** The task's scheduler (default: the system's). */
  readonly scheduler?: Scheduler;
}

function collectingLogger(logs: string[]): ConnectLogger {
  const at =
    (level: string) =>
    (_fields: object, message?: string): void => {
      logs.push(`${level}: ${message ?? ''}`);
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export async function startTask(t: ExecutionContext, cfg: Record<string, unknown>, offset: SourceOffset | null, history = new MemoryTopic(), options: StartOptions = {}): Promise<Harness> {
  const task = new MySqlCdcTask(options.hooks);
  const context: SourceTaskContext = {
    scheduler: options.scheduler ?? systemScheduler,
    logger: options.logs === undefined ? silent : collectingLogger(options.logs),
    configs: cfg,
    offsetStorageReader: {
      offset: () => Promise.resolve(offset),
      offsets: (ps) => Promise.resolve(ps.map(() => offset)),
    },
    schemaHistoryStore: () => history,
  };
  task.initialize(context);
  t.teardown(() => task.stop());
  await task.start(cfg);
  return {
    task,
    history,
    async take(n) {
      const out: SourceRecord[] = [];
      const deadline = Date.now() + 20_000;
      while (out.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${out.length} of ${n} records arrived: ${JSON.stringify(out.map((r) => r.topic))}`);
        out.push(...((await task.poll()) ?? []));
      }
      return out;
    },
  };
}

/** Reads records until the row with key `{ id: last }` arrived; returns the row records of `topic` up to it. */
export async function rowsUntil(h: Harness, topic: string, last: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  while (!out.some((r) => (r.key as { id: number }).id === last)) {
    out.push(...(await h.take(1)).filter((r) => r.topic === topic && r.value !== null));
  }
  return out;
}

const json = new JsonConverter();
json.configure({ 'schemas.enable': true, 'converter.type': 'value' });

/** The record's value as the JSON converter writes it, as text (exact for 64-bit numbers). */
export function jsonText(record: SourceRecord): string {
  return Buffer.from(json.fromConnectData(record.topic, record.valueSchema, record.value)!).toString('utf8');
}

export function jsonOf(record: SourceRecord): { schema: unknown; payload: Record<string, unknown> } {
  return JSON.parse(jsonText(record)) as { schema: unknown; payload: Record<string, unknown> };
}

export function keyJsonOf(record: SourceRecord): unknown {
  return JSON.parse(Buffer.from(json.fromConnectData(record.topic, record.keySchema, record.key)!).toString('utf8'));
}

export function payload(record: SourceRecord): Record<string, unknown> {
  return jsonOf(record).payload;
}

export interface FieldSchema {
  readonly field: string;
  readonly type: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly version?: number;
  readonly parameters?: Record<string, string>;
}

/** Ends the server side of every binlog dump (as a network drop would); returns how many there were. */
export async function killBinlogDumps(db: PrivateMariaDb): Promise<number> {
  const dumps = await pollUntil(
    async () => (await db.query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) as { ID: number | string }[],
    (rows) => rows.length > 0,
    'a Binlog Dump thread',
  );
  for (const d of dumps) await db.query(`KILL ${Number(d.ID)}`);
  return dumps.length;
}
