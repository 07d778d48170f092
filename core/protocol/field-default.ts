import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import type { FieldDescriptor } from './schema.ts';
import { ZERO_UUID } from './uuid.ts';

const EMPTY = Buffer.alloc(0);

/**
 * A factory for a field's default: the descriptor's `default` if given, else null for a
 * field nullable in some version, else the type's zero value. With `nullAllowed` false (a
 * version where the field may not be null) a null default becomes the type's zero value.
 * Arrays and structs are fresh on every call so callers may mutate what they decode.
 */
export function defaultFactory(field: FieldDescriptor, nullAllowed = true): () => unknown {
  if (field.default !== undefined && (field.default !== null || nullAllowed)) {
    const value = checkedDefault(field);
    return () => value;
  }
  if (nullAllowed && field.nullableVersions !== undefined && field.nullableVersions !== 'none') return () => null;
  switch (field.type) {
    case 'array':
      return () => [];
    case 'struct': {
      const subs = field.fields.map((f) => [f.name, defaultFactory(f)] as const);
      return () => {
        const obj: Record<string, unknown> = {};
        for (const [name, make] of subs) obj[name] = make();
        return obj;
      };
    }
    case 'int64':
      return () => 0n;
    case 'bool':
      return () => false;
    case 'string':
      return () => '';
    case 'uuid':
      return () => ZERO_UUID;
    case 'bytes':
    case 'records':
      return () => EMPTY;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
      return () => 0;
  }
}

/** Whether `value` equals the field's default: tagged fields are written only when it does not. */
export function defaultTester(field: FieldDescriptor): (value: unknown) => boolean {
  const make = defaultFactory(field);
  const def = make();
  if (def === null) return (v) => v === null;
  switch (field.type) {
    case 'array':
      return (v) => Array.isArray(v) && v.length === 0;
    case 'struct': {
      const subs = field.fields.map((f) => [f.name, defaultTester(f)] as const);
      return (v) => {
        if (v === null || typeof v !== 'object') return false;
        const obj = v as Record<string, unknown>;
        return subs.every(([name, isDefault]) => obj[name] === undefined || isDefault(obj[name]));
      };
    }
    case 'bytes':
    case 'records':
      return (v) => v instanceof Uint8Array && v.length === 0;
    case 'uuid':
      return (v) => typeof v === 'string' && v.toLowerCase() === def;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint16':
    case 'uint32':
    case 'float64':
    case 'bool':
    case 'string':
      return (v) => v === def;
  }
}

function checkedDefault(field: FieldDescriptor): unknown {
  const value = field.default;
  const ok = (() => {
    if (value === null) return field.nullableVersions !== undefined && field.nullableVersions !== 'none';
    switch (field.type) {
      case 'int64':
        return typeof value === 'bigint';
      case 'bool':
        return typeof value === 'boolean';
      case 'string':
        return typeof value === 'string';
      case 'int8':
      case 'int16':
      case 'int32':
      case 'uint16':
      case 'uint32':
      case 'float64':
        return typeof value === 'number';
      case 'uuid':
      case 'bytes':
      case 'records':
      case 'array':
      case 'struct':
        return false;
    }
  })();
  if (!ok) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_DESCRIPTOR,
      `field ${field.name} of type ${field.type} cannot default to ${String(value)}`,
    );
  }
  return value;
}
