import { defaultFactory, inVersionRange } from '../../../../core/protocol/index.ts';
import type { FieldDescriptor, PrimitiveType } from '../../../../core/protocol/index.ts';

export type SampleVariant = 'values' | 'nulls';

export interface SampleOptions {
  /** 'values': every present field non-null and non-default; 'nulls': null wherever allowed. */
  readonly variant: SampleVariant;
  /** Length of bytes and records values; ≥ 1024 exercises the writer's by-reference path. */
  readonly bytesLength?: number;
}

/**
 * A value for `fields` at `version` built from the descriptor alone: fields present in the
 * version get a value that differs from their default (so a field silently dropped or
 * misplaced on the wire cannot go unnoticed), absent fields hold their default, as a decode
 * of that version must return.
 */
export function sampleValue(
  fields: readonly FieldDescriptor[],
  version: number,
  options: SampleOptions,
  seed = 1,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    const s = seed * 31 + i;
    if (!inVersionRange(field.versions, version)) {
      out[field.name] = defaultFactory(field)();
    } else if (options.variant === 'nulls' && inVersionRange(field.nullableVersions, version)) {
      out[field.name] = null;
    } else {
      out[field.name] = sampleField(field, version, options, s);
    }
  });
  return out;
}

function sampleField(field: FieldDescriptor, version: number, options: SampleOptions, seed: number): unknown {
  const def = defaultFactory(field)();
  switch (field.type) {
    case 'array':
      if ('items' in field) return [0, 1].map((k) => samplePrimitive(field.items, seed + k, undefined, options));
      return [0, 1].map((k) => sampleValue(field.fields, version, options, seed + k));
    case 'struct':
      return sampleValue(field.fields, version, options, seed);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint16':
    case 'uint32':
    case 'float64':
    case 'bool':
    case 'string':
    case 'bytes':
    case 'uuid':
    case 'records':
      return samplePrimitive(field.type, seed, def, options);
  }
}

function samplePrimitive(type: PrimitiveType, seed: number, def: unknown, options: SampleOptions): unknown {
  const pick = <T>(a: T, b: T): T => (a === def ? b : a);
  switch (type) {
    case 'int8':
      return pick(-100 + (seed % 50), 101);
    case 'int16':
      return pick(-30000 + seed, 30001);
    case 'int32':
      return pick(-2_000_000_000 + seed, 2_000_000_001);
    case 'int64':
      // Beyond 2^53 and negative: int64 must survive as bigint.
      return pick(-(1n << 62n) + BigInt(seed), (1n << 62n) + 1n);
    case 'uint16':
      return pick(65_000 + (seed % 500), 1);
    case 'uint32':
      return pick(0xffff_0000 + seed, 1);
    case 'float64':
      return pick(seed + 0.5, -0.25);
    case 'bool':
      return def !== true;
    case 'string':
      // Non-ASCII, so byte length and character length differ.
      return `név-${seed}-✓`;
    case 'uuid':
      return `0123abcd-${(0x1000 + (seed % 0xefff)).toString(16)}-4def-8abc-0123456789ab`;
    case 'bytes':
    case 'records': {
      const n = options.bytesLength ?? 5;
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (seed + i) & 0xff;
      return b;
    }
  }
}
