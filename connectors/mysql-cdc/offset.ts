import type { JsonValue, SourceOffset, SourcePartition } from '../../connect/api/index.ts';
import { fatalError } from './errors.ts';

/**
 * Where the connector is in the server's binlog, as Debezium's MySQL connector keeps it:
 * - `file`/`pos`: the start of the transaction being emitted (or, between transactions, the next
 *   event). A restart reads from there, because a transaction's TABLE_MAP events are needed to
 *   decode its rows and cannot be read from the middle;
 * - `event`: how many events after `pos` were emitted completely, skipped on restart;
 * - `row`: how many rows of the event after those were emitted, skipped on restart too;
 * - `gtids`: the GTID set (MySQL) or position (MariaDB, `domain-server-seq,...`) of the
 *   transactions completed before `pos`, or null when unknown;
 * - `snapshot`: true while the initial snapshot runs (a restart then snapshots again, as in
 *   Debezium: an interrupted snapshot starts over); absent once streaming began;
 * - `ts_sec`, `server_id`: of the last event, for people reading offsets.
 */
export interface BinlogOffset {
  readonly file: string;
  readonly pos: number;
  readonly gtids: string | null;
  readonly event: number;
  readonly row: number;
  readonly snapshot: boolean;
  readonly tsSec: number;
  readonly serverId: number;
}

/** Debezium's source partition: one per logical server (`topic.prefix`). */
export function sourcePartitionOf(topicPrefix: string): SourcePartition {
  return { server: topicPrefix };
}

/** The stored form, with Debezium's key names (so offsets read the same in both tools). */
export function toSourceOffset(offset: BinlogOffset): SourceOffset {
  const out: Record<string, JsonValue> = { ts_sec: offset.tsSec, file: offset.file, pos: offset.pos };
  if (offset.gtids !== null) out['gtids'] = offset.gtids;
  if (offset.snapshot) {
    out['snapshot'] = true;
  } else {
    out['row'] = offset.row;
    out['server_id'] = offset.serverId;
    out['event'] = offset.event;
  }
  return out;
}

function integer(raw: JsonValue | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === null) return fallback;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw fatalError(`The stored offset's ${name} is not a non-negative integer: ${JSON.stringify(raw)}. Fix or delete the connector's offsets.`);
  return n;
}

/** Reads a stored offset (Debezium's or Brook's); null when none was stored. */
export function parseSourceOffset(raw: SourceOffset | null | undefined): BinlogOffset | null {
  if (raw === null || raw === undefined) return null;
  const file = raw['file'];
  if (typeof file !== 'string' || file.length === 0) throw fatalError(`The stored offset has no binlog file name: ${JSON.stringify(raw)}. Fix or delete the connector's offsets.`);
  const gtids = raw['gtids'];
  const snapshot = raw['snapshot'];
  return {
    file,
    pos: integer(raw['pos'], 'pos', 4),
    gtids: typeof gtids === 'string' && gtids.length > 0 ? gtids : null,
    event: integer(raw['event'], 'event', 0),
    row: integer(raw['row'], 'row', 0),
    snapshot: snapshotInProgress(snapshot, raw['snapshot_completed']),
    tsSec: integer(raw['ts_sec'], 'ts_sec', 0),
    serverId: integer(raw['server_id'], 'server_id', 0),
  };
}

/**
 * Debezium 1.x/2.x write `true` (or "true", "last") while snapshotting, Debezium 3.x the snapshot
 * kind ("INITIAL", "BLOCKING"...) with `snapshot_completed`; only a finished snapshot leaves the
 * marker out, or sets it to false, or marks it completed.
 */
function snapshotInProgress(marker: JsonValue | undefined, completed: JsonValue | undefined): boolean {
  if (completed === true || (typeof completed === 'string' && completed.toLowerCase() === 'true')) return false;
  if (marker === true) return true;
  return typeof marker === 'string' && marker !== '' && marker.toLowerCase() !== 'false';
}

/** Orders binlog positions: file names sort by their numeric suffix, then by offset. */
export function comparePositions(a: { file: string; pos: number }, b: { file: string; pos: number }): number {
  if (a.file !== b.file) {
    const na = Number(/\.(\d+)$/.exec(a.file)?.[1] ?? NaN);
    const nb = Number(/\.(\d+)$/.exec(b.file)?.[1] ?? NaN);
    if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
    return a.file < b.file ? -1 : 1;
  }
  return a.pos - b.pos;
}
