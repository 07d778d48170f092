/**
 * BinlogStreamer on hand-built MySQL event sequences (no MySQL server runs here): the offsets
 * its records carry, what a restart or reconnect skips, and the source time. The expected
 * offsets are Debezium's (BinlogOffsetContext): a MySQL transaction's `pos` is its BEGIN's,
 * and `event` counts every event from that BEGIN (the GTID event before it is not counted).
 */
import test from 'ava';
import zstd from 'zstd-napi/binding.js';
import type { ConnectLogger, SourceRecord } from '../../../../connect/api/index.ts';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { EventType } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { parseMySqlCdcConfig } from '../../../../connectors/mysql-cdc/config.ts';
import { ChangeEmitter, TableFilter } from '../../../../connectors/mysql-cdc/emitter.ts';
import type { BinlogOffset } from '../../../../connectors/mysql-cdc/offset.ts';
import { RecordQueue } from '../../../../connectors/mysql-cdc/record-queue.ts';
import { SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';
import { MemorySchemaHistory } from '../../../../connectors/mysql-cdc/schema/history.ts';
import { BinlogStreamer } from '../../../../connectors/mysql-cdc/streaming.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { concat, event, lenenc, lenencString, mysql8FormatDescription, reseal, u16, u32, u64 } from './binlog/build-event.ts';
import { envelopeOptions } from './envelope-options.ts';

const FILE = 'binlog.000003';
const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const HEADER_SEC = 1_700_000_000;

/** Events laid out one after another in a binlog file, each with its position. */
class BinlogFile {
  private next: number;
  readonly events: { pos: number; bytes: Buffer }[] = [];

  constructor(start: number) {
    this.next = start;
  }

  add(type: number, body: Buffer, headerSec = HEADER_SEC): number {
    const pos = this.next;
    const size = 19 + body.length + 4;
    const bytes = Buffer.from(event(type, body, { nextPosition: pos + size }));
    bytes.writeUInt32LE(headerSec, 0);
    this.events.push({ pos, bytes: reseal(bytes) });
    this.next = pos + size;
    return pos;
  }

  get end(): number {
    return this.next;
  }

  /** The events from the one at `pos` on. */
  from(pos: number): Buffer[] {
    return this.events.filter((e) => e.pos >= pos).map((e) => e.bytes);
  }
}

/** GTID event (control_events.h, Gtid_event): with a logical clock and commit timestamps unless `commitUs` is null. */
function gtid(gno: number, commitUs: bigint | null, anonymous = false): [number, Buffer] {
  const sid = anonymous ? Buffer.alloc(16) : Buffer.from(UUID.replaceAll('-', ''), 'hex');
  const head = concat([1], sid, u64(anonymous ? 0n : BigInt(gno)));
  if (commitUs === null) return [anonymous ? EventType.ANONYMOUS_GTID : EventType.GTID, head];
  const ts = u64(commitUs).subarray(0, 7);
  return [anonymous ? EventType.ANONYMOUS_GTID : EventType.GTID, concat(head, [2], u64(0n), u64(1n), ts, lenenc(500), u32(80036))];
}

const query = (sql: string): Buffer => concat(u32(9), u32(0), [4], u16(0), u16(0), Buffer.from(`shop\0${sql}`));

/** shop.t as table 7: (id INT), or (id INT, c INT) after the DDL. */
const tableMap = (columns = 1): Buffer =>
  concat(Buffer.from([7, 0, 0, 0, 0, 0]), u16(1), [4], Buffer.from('shop\0'), [1], Buffer.from('t\0'), lenenc(columns), Buffer.alloc(columns, 3), lenencString(Buffer.alloc(0)), [0]);

const writeRows = (...ids: number[]): Buffer => concat(Buffer.from([7, 0, 0, 0, 0, 0]), u16(1), u16(2), lenenc(1), [1], ...ids.map((id) => concat([0], u32(id))));

/**
 * One file: a GTID transaction (a ROWS_QUERY, two rows events), a DDL with its GTID, then a
 * transaction with an ANONYMOUS_GTID. Positions are kept for the expectations.
 */
function mysqlBinlog(): { file: BinlogFile; gtid1: number; begin1: number; xidEnd: number; gtid2: number; ddl: number; ddlEnd: number; begin3: number } {
  const file = new BinlogFile(1000);
  const gtid1 = file.add(...gtid(6, 1_700_000_123_456_789n));
  const begin1 = file.add(EventType.QUERY, query('BEGIN'));
  file.add(EventType.ROWS_QUERY, concat([11], Buffer.from('INSERT ...')));
  file.add(EventType.TABLE_MAP, tableMap());
  file.add(EventType.WRITE_ROWS_V2, writeRows(1, 2));
  file.add(EventType.TABLE_MAP, tableMap());
  file.add(EventType.WRITE_ROWS_V2, writeRows(3));
  file.add(EventType.XID, u64(70n));
  const xidEnd = file.end;
  const gtid2 = file.add(...gtid(7, 1_700_000_200_000_001n));
  const ddl = file.add(EventType.QUERY, query('ALTER TABLE t ADD COLUMN c INT'));
  const ddlEnd = file.end;
  file.add(...gtid(0, 1_700_000_300_000_000n, true), HEADER_SEC + 300);
  const begin3 = file.add(EventType.QUERY, query('BEGIN'), HEADER_SEC + 301);
  file.add(EventType.TABLE_MAP, tableMap(2), HEADER_SEC + 301);
  file.add(EventType.WRITE_ROWS_V2, concat(Buffer.from([7, 0, 0, 0, 0, 0]), u16(1), u16(2), lenenc(2), [3], concat([0], u32(4), u32(0))), HEADER_SEC + 302);
  file.add(EventType.XID, u64(71n), HEADER_SEC + 303);
  return { file, gtid1, begin1, xidEnd, gtid2, ddl, ddlEnd, begin3 };
}

const quiet: ConnectLogger = { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function streamer(): { streamer: BinlogStreamer; queue: RecordQueue } {
  const config = parseMySqlCdcConfig({ 'database.hostname': 'h', 'database.user': 'u', 'database.server.id': '1', 'topic.prefix': 'srv', 'schema.history.internal.kafka.topic': 'h' });
  const catalog = new SchemaCatalog();
  catalog.apply('CREATE TABLE t (id INT)', 'shop');
  const emitter = new ChangeEmitter(
    config,
    envelopeOptions('mysql'),
    new TableFilter(config),
    catalog,
    { server: 'srv' },
  );
  const scheduler = new VirtualScheduler();
  const queue = new RecordQueue(1000, scheduler);
  const s = new BinlogStreamer({ emitter, history: new MemorySchemaHistory(), storedDdl: new Set(), queue, scheduler, logger: quiet, connection: { host: 'h', port: 3306, user: 'u', password: '', connectTimeoutMs: 1000, tls: config.tls, serverId: 1, heartbeatPeriodMs: 0 } });
  return { streamer: s, queue };
}

const offsetAt = (pos: number, gtids: string | null, event = 0, row = 0): BinlogOffset => ({ file: FILE, pos, gtids, event, row, snapshot: false, tsSec: 0, serverId: 1 });

function feed(s: BinlogStreamer, events: readonly Buffer[]): void {
  s.receive(mysql8FormatDescription());
  for (const e of events) s.receive(e);
}

async function drain(queue: RecordQueue): Promise<SourceRecord[]> {
  return queue.size === 0 ? [] : queue.take(10_000, 0);
}

type Source = Record<string, unknown>;
const sourceOf = (r: SourceRecord): Source => (r.value as { source: Source }).source;
const idOf = (r: SourceRecord): unknown => ((r.value as { after: Record<string, unknown> | null }).after ?? {})['id'];
const rowsOf = (records: readonly SourceRecord[]): SourceRecord[] => records.filter((r) => r.topic === 'srv.shop.t');

test('a MySQL GTID transaction is offset from its BEGIN, counting every event from it, as Debezium', async (t) => {
  const { file, begin1, xidEnd } = mysqlBinlog();
  const { streamer: s, queue } = streamer();
  s.detachedStream('position', offsetAt(1000, `${UUID}:1-5`));
  feed(s, file.from(1000).slice(0, 8));
  const rows = rowsOf(await drain(queue));
  t.deepEqual(rows.map(idOf), [1, 2, 3]);
  // BEGIN, ROWS_QUERY and TABLE_MAP come before the first rows event (event 3); its rows, then a
  // TABLE_MAP, before the second (event 5). The GTIDs are those before the transaction.
  const base = { file: FILE, pos: begin1, gtids: `${UUID}:1-5`, server_id: 1, ts_sec: 1_700_000_123 };
  t.deepEqual(
    rows.map((r) => r.sourceOffset),
    [
      { ...base, event: 3, row: 1 },
      { ...base, event: 3, row: 2 },
      { ...base, event: 5, row: 1 },
    ],
  );
  t.like(sourceOf(rows[0]!), { gtid: `${UUID}:6`, file: FILE, row: 0 });
  // After the XID: past it, with the transaction's GTID.
  t.like(s.position(), { file: FILE, pos: xidEnd, gtids: `${UUID}:1-6` });
});

test('a restart from a mid-transaction offset skips exactly what it emitted, from a file/pos (the BEGIN) or from GTIDs (the GTID event first)', async (t) => {
  const { file, gtid1, begin1 } = mysqlBinlog();
  for (const [event, row, expected] of [
    [3, 1, [2, 3]],
    [3, 2, [3]],
    [5, 1, []],
  ] as const) {
    const byPosition = streamer();
    t.deepEqual(byPosition.streamer.detachedStream('position', offsetAt(begin1, `${UUID}:1-5`, event, row)), { file: FILE, pos: begin1 });
    feed(byPosition.streamer, file.from(begin1).slice(0, 7));
    t.deepEqual(rowsOf(await drain(byPosition.queue)).map(idOf), expected, `position, event ${event} row ${row}`);

    // The server sends the transaction after the GTIDs from its GTID event.
    const byGtids = streamer();
    byGtids.streamer.detachedStream('gtids', offsetAt(begin1, `${UUID}:1-5`, event, row));
    feed(byGtids.streamer, file.from(gtid1).slice(0, 8));
    const again = rowsOf(await drain(byGtids.queue));
    t.deepEqual(again.map(idOf), expected, `gtids, event ${event} row ${row}`);
    for (const r of again) t.like(r.sourceOffset, { pos: begin1, gtids: `${UUID}:1-5` });
  }
});

test('a reconnect in a MySQL transaction reads it again from its GTID event and skips what was emitted', async (t) => {
  const { file, gtid1, begin1 } = mysqlBinlog();
  const { streamer: s, queue } = streamer();
  s.detachedStream('position', offsetAt(1000, `${UUID}:1-5`));
  feed(s, file.from(1000).slice(0, 5));
  t.deepEqual(rowsOf(await drain(queue)).map(idOf), [1, 2]);
  t.deepEqual(s.detachedStream('position'), { file: FILE, pos: gtid1 });
  feed(s, file.from(gtid1).slice(0, 8));
  const rest = rowsOf(await drain(queue));
  t.deepEqual(rest.map(idOf), [3]);
  t.like(rest[0]!.sourceOffset, { pos: begin1, event: 5, row: 1 });
  t.is(sourceOf(rest[0]!)['gtid'], `${UUID}:6`);
});

test('a MySQL DDL (a GTID, no BEGIN) is offset past itself; its source time is its GTID original commit timestamp', async (t) => {
  const { file, xidEnd, gtid2, ddl, ddlEnd } = mysqlBinlog();
  const { streamer: s, queue } = streamer();
  s.detachedStream('position', offsetAt(xidEnd, `${UUID}:1-6`));
  feed(s, file.from(gtid2).slice(0, 2));
  await waitFor(() => queue.size >= 2, { timeoutMs: 2000 });
  const change = (await drain(queue)).find((r) => r.topic === 'srv');
  t.truthy(change);
  t.like(change!.sourceOffset, { file: FILE, pos: ddlEnd, event: 0, row: 0, ts_sec: 1_700_000_200 });
  t.like(sourceOf(change!), { ts_ms: 1_700_000_200_000n, ts_us: 1_700_000_200_000_001n, ts_ns: 1_700_000_200_000_001_000n, gtid: `${UUID}:7`, pos: BigInt(ddl) });
});

test("MySQL records take their GTID event's original commit timestamp (µs) as source time; anonymous GTIDs leave each event's second", async (t) => {
  const { file, begin3 } = mysqlBinlog();
  const { streamer: s, queue } = streamer();
  s.detachedStream('position', offsetAt(1000, `${UUID}:1-5`));
  feed(s, file.from(1000));
  await waitFor(() => queue.size >= 5, { timeoutMs: 2000 });
  const rows = rowsOf(await drain(queue));
  t.deepEqual(
    rows.map((r) => sourceOf(r)['ts_ms']),
    [1_700_000_123_456n, 1_700_000_123_456n, 1_700_000_123_456n, (BigInt(HEADER_SEC) + 302n) * 1000n],
  );
  // ts_us and ts_ns keep the commit timestamp's microseconds.
  t.deepEqual(
    rows.map((r) => sourceOf(r)['ts_us']),
    [1_700_000_123_456_789n, 1_700_000_123_456_789n, 1_700_000_123_456_789n, (BigInt(HEADER_SEC) + 302n) * 1_000_000n],
  );
  t.like(rows[3]!.sourceOffset, { pos: begin3, event: 2, row: 1, ts_sec: HEADER_SEC + 300 });
});

test('a MySQL 5.7 GTID (no commit timestamps) gives the GTID event second to the whole transaction', async (t) => {
  const file = new BinlogFile(500);
  file.add(...gtid(9, null), HEADER_SEC + 10);
  const begin = file.add(EventType.QUERY, query('BEGIN'), HEADER_SEC + 10);
  file.add(EventType.TABLE_MAP, tableMap(), HEADER_SEC + 12);
  file.add(EventType.WRITE_ROWS_V2, writeRows(5), HEADER_SEC + 12);
  file.add(EventType.XID, u64(1n), HEADER_SEC + 13);
  const { streamer: s, queue } = streamer();
  s.detachedStream('position', offsetAt(500, null));
  feed(s, file.from(500));
  const [row] = rowsOf(await drain(queue));
  t.is(sourceOf(row!)['ts_ms'], (BigInt(HEADER_SEC) + 10n) * 1000n);
  t.like(row!.sourceOffset, { pos: begin, event: 2, row: 1 });
});

test('a compressed MySQL transaction is offset from its TRANSACTION_PAYLOAD, counting the events inside from its BEGIN', async (t) => {
  const inner = concat(
    event(EventType.QUERY, query('BEGIN'), { checksum: false }),
    event(EventType.TABLE_MAP, tableMap(), { checksum: false }),
    event(EventType.WRITE_ROWS_V2, writeRows(1, 2), { checksum: false }),
    event(EventType.XID, u64(77n), { checksum: false }),
  );
  const compressed = Buffer.alloc(zstd.compressBound(inner.length));
  const payload = compressed.subarray(0, zstd.compress(compressed, inner, 3));
  const field = (type: number, value: number): Buffer => concat(lenenc(type), lenenc(lenenc(value).length), lenenc(value));
  const file = new BinlogFile(700);
  file.add(...gtid(6, 1_700_000_123_456_789n));
  const payloadPos = file.add(EventType.TRANSACTION_PAYLOAD, concat(field(1, payload.length), field(2, 0), field(3, inner.length), [0], payload));
  const first = streamer();
  first.streamer.detachedStream('position', offsetAt(700, `${UUID}:1-5`));
  feed(first.streamer, file.from(700));
  const rows = rowsOf(await drain(first.queue));
  t.deepEqual(
    rows.map((r) => r.sourceOffset),
    [1, 2].map((row) => ({ file: FILE, pos: payloadPos, gtids: `${UUID}:1-5`, event: 2, row, server_id: 1, ts_sec: 1_700_000_123 })),
  );
  t.like(first.streamer.position(), { pos: file.end, gtids: `${UUID}:1-6` });
  const restarted = streamer();
  restarted.streamer.detachedStream('position', offsetAt(payloadPos, `${UUID}:1-5`, 2, 1));
  feed(restarted.streamer, file.from(payloadPos));
  t.deepEqual(rowsOf(await drain(restarted.queue)).map(idOf), [2]);
});
