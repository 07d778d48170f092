/**
 * GTIDs as offsets keep them: MySQL GTID sets as text (`uuid:1-5:7,uuid2:1-3`, the form of
 * Executed_Gtid_Set and of Debezium's `gtids` offset), where adding one transaction's GTID merges
 * it into its source's intervals; and MariaDB GTID positions (`domain-server-seq,...`, the last
 * transaction per replication domain). Either kind can tell whether one position includes
 * every transaction of another, which is how the schema history is matched to an offset.
 */

import { fatalError } from './errors.ts';

interface Interval {
  start: bigint;
  end: bigint;
}

function parseIntervals(parts: readonly string[], text: string): Interval[] {
  return parts.map((part) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw fatalError(`The GTID set ${text} has a malformed interval ${part}: fix or delete the connector's offsets.`);
    return { start: BigInt(m[1]!), end: BigInt(m[2] ?? m[1]!) };
  });
}

function merged(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last !== undefined && i.start <= last.end + 1n) {
      if (i.end > last.end) last.end = i.end;
    } else {
      out.push({ ...i });
    }
  }
  return out;
}

/**
 * The set with `uuid:gno` added. Sources keep their order (a new one goes last); a source with a
 * tag (MySQL 8.3's `uuid:tag:1-5`) is kept as written.
 */
export function addGtid(set: string, uuid: string, gno: bigint | number): string {
  const key = uuid.toLowerCase();
  const sources = set.replace(/\s+/g, '').split(',').filter((s) => s.length > 0);
  const untagged = (source: string): boolean => {
    const [id, ...parts] = source.split(':');
    return id!.toLowerCase() === key && parts.every((p) => /^\d/.test(p));
  };
  const at = sources.findIndex(untagged);
  if (at < 0) return [...sources, `${uuid}:${BigInt(gno)}`].join(',');
  const [id, ...parts] = sources[at]!.split(':');
  const intervals = merged([...parseIntervals(parts, set), { start: BigInt(gno), end: BigInt(gno) }]);
  sources[at] = [id, ...intervals.map((i) => (i.start === i.end ? `${i.start}` : `${i.start}-${i.end}`))].join(':');
  return sources.join(',');
}

const MARIADB_POSITION = /^\d+-\d+-\d+(,\d+-\d+-\d+)*$/;

/** Per source (`uuid`, or `uuid:tag` for MySQL 8.3's tagged GTIDs), its merged intervals. */
function parseMySqlSet(text: string): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  for (const source of text.replace(/\s+/g, '').split(',')) {
    if (source === '') continue;
    const [uuid, ...parts] = source.split(':');
    let key = uuid!.toLowerCase();
    for (const part of parts) {
      if (!/^\d/.test(part)) {
        key = `${uuid!.toLowerCase()}:${part.toLowerCase()}`;
        continue;
      }
      const intervals = out.get(key) ?? [];
      intervals.push(...parseIntervals([part], text));
      out.set(key, intervals);
    }
  }
  for (const [key, intervals] of out) out.set(key, merged(intervals));
  return out;
}

/** Per MariaDB replication domain, the sequence number of its last transaction. */
function parseMariaDbPosition(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const gtid of text.split(',')) {
    const [domain, , seq] = gtid.split('-');
    out.set(domain!, BigInt(seq!));
  }
  return out;
}

/**
 * Whether the GTIDs `outer` include every transaction of `inner`: for MySQL sets, every
 * interval of `inner` inside one of `outer`'s for its source; for MariaDB positions, every domain
 * of `inner` at or past its sequence number in `outer`. Two positions of different kinds include
 * nothing of each other.
 */
export function gtidsInclude(outer: string, inner: string): boolean {
  const outerMariaDb = MARIADB_POSITION.test(outer);
  if (outerMariaDb !== MARIADB_POSITION.test(inner)) return false;
  if (outerMariaDb) {
    const have = parseMariaDbPosition(outer);
    for (const [domain, seq] of parseMariaDbPosition(inner)) {
      const at = have.get(domain);
      if (at === undefined || at < seq) return false;
    }
    return true;
  }
  const have = parseMySqlSet(outer);
  for (const [source, intervals] of parseMySqlSet(inner)) {
    const covering = have.get(source) ?? [];
    for (const i of intervals) {
      if (!covering.some((c) => c.start <= i.start && i.end <= c.end)) return false;
    }
  }
  return true;
}

/**
 * The GTIDs of the sources `keep` accepts (MySQL: by server UUID; MariaDB: by `domain-server`),
 * as Debezium's retainAll applies gtid.source.includes/excludes before comparing positions.
 */
export function retainGtidSources(gtids: string, keep: (source: string) => boolean): string {
  if (MARIADB_POSITION.test(gtids)) return gtids.split(',').filter((g) => keep(g.slice(0, g.lastIndexOf('-')))).join(',');
  return gtids
    .replace(/\s+/g, '')
    .split(',')
    .filter((source) => source !== '' && keep(source.slice(0, source.indexOf(':'))))
    .join(',');
}
