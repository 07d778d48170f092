import type { Schema, Struct } from '../../../connect/api/index.ts';
import { fieldOf, optionalCopy } from './struct-schemas.ts';

/**
 * One entry of `add.fields` or `add.headers`: a field of the change event envelope (`op`,
 * `source.ts_ms`, `transaction.id`...) and the name it takes in the flattened record.
 */
export interface FieldReference {
  /** The envelope struct holding the field (`source`, `transaction`), or null for a top-level one. */
  readonly struct: string | null;
  readonly field: string;
  /** The name in the output: prefix + field, prefix + struct_field, or prefix + the alias after `:`. */
  readonly newField: string;
}

/** Where Debezium looks for a field named without its struct: the envelope's own fields, the transaction block, else source. */
function hostOf(field: string): string | null {
  switch (field) {
    case 'id':
    case 'total_order':
    case 'data_collection_order':
      return 'transaction';
    case 'op':
    case 'ts_ms':
    case 'ts_us':
    case 'ts_ns':
      return null;
    default:
      return 'source';
  }
}

/** An entry is `field`, `struct.field`, optionally followed by `:alias`; the schema keeps a second `:` out. */
export const FIELD_REFERENCE_PATTERN = '^[^:]*(:[^:]*:*)?$';

/** String.split as Java's String.split: trailing empty parts are dropped (`op:` is `op`). */
function splitDroppingTrailingEmpties(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 1 && parts.at(-1) === '') parts.pop();
  return parts;
}

function parseOne(prefix: string, entry: string): FieldReference {
  const [path = '', alias] = splitDroppingTrailingEmpties(entry, ':');
  const parts = splitDroppingTrailingEmpties(path, '.');
  const qualified = parts.length > 1;
  const field = qualified ? (parts[1] ?? '') : path;
  const struct = qualified ? (parts[0] ?? '') : hostOf(field);
  const newField = prefix + (alias ?? (qualified ? `${struct ?? ''}_${field}` : field));
  return { struct, field, newField };
}

/** The references of a list setting (`op,table,source.ts_ms:EVENT_TS`), each prefixed. */
export function parseFieldReferences(prefix: string, entries: readonly string[]): FieldReference[] {
  return entries.map((e) => e.trim()).filter((e) => e !== '').map((e) => parseOne(prefix, e));
}

/**
 * The schema the referenced field gets in the output, or undefined when the envelope has no
 * such field (the reference is then skipped, as Debezium skips `lsn` for MySQL). A field that
 * another transform put at the envelope's top level is found there too.
 */
export function referencedSchema(ref: FieldReference, envelopeSchema: Schema): Schema | undefined {
  const host = ref.struct === null ? envelopeSchema : fieldOf(envelopeSchema, ref.struct)?.schema;
  const found = (host === undefined ? undefined : fieldOf(host, ref.field)) ?? fieldOf(envelopeSchema, ref.field);
  return found === undefined ? undefined : optionalCopy(found.schema);
}

/** The referenced field's value (null when its struct is, as the transaction block is in a snapshot). */
export function referencedValue(ref: FieldReference, envelope: Struct, envelopeSchema: Schema): unknown {
  if (ref.struct === null) return envelope[ref.field] ?? null;
  const host = envelope[ref.struct];
  if (host === null || host === undefined) return null;
  const hostSchema = fieldOf(envelopeSchema, ref.struct)?.schema;
  if (hostSchema !== undefined && fieldOf(hostSchema, ref.field) !== undefined) return (host as Struct)[ref.field] ?? null;
  return envelope[ref.field] ?? null;
}
