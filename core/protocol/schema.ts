/**
 * The descriptor format: how an API's messages are written down once, in TypeScript, for
 * every version, so one codec can encode and decode them in both directions.
 *
 * It mirrors the facts in Kafka's message specs (field order, the versions each field
 * exists in, nullability, tagged fields) with camelCase names and typed defaults.
 */

/**
 * Versions as Kafka writes them: `'3+'` (3 and later), `'3-5'` (inclusive), `'3'` (only 3),
 * or `'none'`.
 */
export type VersionRange = 'none' | `${number}` | `${number}+` | `${number}-${number}`;

export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uuid'
  /** Record batches: nullable bytes, decoded as a view of the input, never parsed here. */
  | 'records';

/** A default that differs from the type's zero value; int64 defaults are bigint. */
export type DefaultValue = number | bigint | boolean | string | null;

interface FieldBase {
  /** camelCase of Kafka's field name. */
  readonly name: string;
  /** Versions the field exists in; outside them it is not on the wire and decodes to its default. */
  readonly versions: VersionRange;
  /** Versions in which the value may be null. */
  readonly nullableVersions?: VersionRange;
  /** Versions in which the field is a tagged field (flexible versions only) with `tag`. */
  readonly taggedVersions?: VersionRange;
  readonly tag?: number;
  /**
   * The value when absent. Without it: null for a nullable field, else 0, 0n, false, '',
   * an empty buffer, the zero uuid, [] or a struct of defaults.
   */
  readonly default?: DefaultValue;
}

export interface PrimitiveField extends FieldBase {
  readonly type: PrimitiveType;
}

/** An array of primitives, e.g. `[]int32`. */
export interface PrimitiveArrayField extends FieldBase {
  readonly type: 'array';
  readonly items: PrimitiveType;
}

/** An array of structs. */
export interface StructArrayField extends FieldBase {
  readonly type: 'array';
  readonly fields: readonly FieldDescriptor[];
}

/** A single nested struct. */
export interface StructField extends FieldBase {
  readonly type: 'struct';
  readonly fields: readonly FieldDescriptor[];
}

export type FieldDescriptor = PrimitiveField | PrimitiveArrayField | StructArrayField | StructField;

/** One API: both directions, every version Brook describes. */
export interface MessageDescriptor {
  readonly apiKey: number;
  /** Kafka's API name, e.g. `Metadata`. */
  readonly name: string;
  /** The versions described here, inclusive: [min, max]. */
  readonly validVersions: readonly [number, number];
  /**
   * Kafka's first flexible version (KIP-482), or null. It may lie beyond `validVersions`:
   * header versions follow it even for versions Brook does not describe.
   */
  readonly flexibleVersions: number | null;
  readonly request: readonly FieldDescriptor[];
  readonly response: readonly FieldDescriptor[];
}
