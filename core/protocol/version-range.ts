import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import type { VersionRange } from './schema.ts';

export interface ParsedRange {
  readonly min: number;
  readonly max: number;
}

const cache = new Map<string, ParsedRange | null>();

/** `'3+'` → {3, Infinity}, `'3-5'` → {3, 5}, `'3'` → {3, 3}, `'none'` → null. */
export function parseVersionRange(range: VersionRange): ParsedRange | null {
  const hit = cache.get(range);
  if (hit !== undefined) return hit;
  const parsed = parse(range);
  cache.set(range, parsed);
  return parsed;
}

function parse(range: string): ParsedRange | null {
  if (range === 'none') return null;
  const m = /^(\d+)(?:(\+)|-(\d+))?$/.exec(range);
  if (m === null) throw new ProtocolError(ProtocolErrorCode.INVALID_DESCRIPTOR, `bad version range ${JSON.stringify(range)}`);
  const min = Number(m[1]);
  if (m[2] === '+') return { min, max: Infinity };
  const max = m[3] === undefined ? min : Number(m[3]);
  if (max < min) throw new ProtocolError(ProtocolErrorCode.INVALID_DESCRIPTOR, `empty version range ${JSON.stringify(range)}`);
  return { min, max };
}

export function inVersionRange(range: VersionRange | undefined, version: number): boolean {
  if (range === undefined) return false;
  const r = parseVersionRange(range);
  return r !== null && version >= r.min && version <= r.max;
}

/** Whether `version` of an API is flexible (compact encodings, tagged fields; KIP-482). */
export function isFlexibleVersion(descriptor: { readonly flexibleVersions: number | null }, version: number): boolean {
  return descriptor.flexibleVersions !== null && version >= descriptor.flexibleVersions;
}
