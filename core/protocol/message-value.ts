import type { FieldDescriptor, PrimitiveType, VersionRange } from './schema.ts';

/**
 * TypeScript types derived from descriptors written `as const`: a message's value type is
 * computed from its fields, so it can never drift from what the codec reads and writes.
 */

type PrimitiveValue<T extends PrimitiveType> = T extends 'int64'
  ? bigint
  : T extends 'bool'
    ? boolean
    : T extends 'string' | 'uuid'
      ? string
      : T extends 'bytes' | 'records'
        ? Buffer
        : number;

/** On encode, bytes and records may also be a list of buffers, written back to back. */
type PrimitiveInput<T extends PrimitiveType> = T extends 'bytes' | 'records'
  ? Uint8Array | readonly Uint8Array[]
  : PrimitiveValue<T>;

type OrNull<F, V> = F extends { readonly nullableVersions: VersionRange } ? V | null : V;

type BaseValue<F> = F extends { readonly type: 'array'; readonly fields: infer S extends readonly FieldDescriptor[] }
  ? MessageValue<S>[]
  : F extends { readonly type: 'array'; readonly items: infer P extends PrimitiveType }
    ? PrimitiveValue<P>[]
    : F extends { readonly type: 'struct'; readonly fields: infer S extends readonly FieldDescriptor[] }
      ? MessageValue<S>
      : F extends { readonly type: infer P extends PrimitiveType }
        ? PrimitiveValue<P>
        : never;

type BaseInput<F> = F extends { readonly type: 'array'; readonly fields: infer S extends readonly FieldDescriptor[] }
  ? readonly MessageInput<S>[]
  : F extends { readonly type: 'array'; readonly items: infer P extends PrimitiveType }
    ? readonly PrimitiveValue<P>[]
    : F extends { readonly type: 'struct'; readonly fields: infer S extends readonly FieldDescriptor[] }
      ? MessageInput<S>
      : F extends { readonly type: infer P extends PrimitiveType }
        ? PrimitiveInput<P>
        : never;

/** A decoded message or struct: every field present (absent-in-version ones hold their default). */
export type MessageValue<S extends readonly FieldDescriptor[]> = {
  [F in S[number] as F['name']]: OrNull<F, BaseValue<F>>;
};

/** What `encodeMessage` accepts: any field may be left out and is written as its default. */
export type MessageInput<S extends readonly FieldDescriptor[]> = {
  readonly [F in S[number] as F['name']]?: OrNull<F, BaseInput<F>>;
};
