/**
 * MySQL GTID sets as text (`uuid:1-5:7,uuid2:1-3`, the form of Executed_Gtid_Set and of
 * Debezium's `gtids` offset): adding one transaction's GTID merges it into its source's intervals.
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
