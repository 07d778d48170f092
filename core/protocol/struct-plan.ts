import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { defaultFactory, defaultTester } from './field-default.ts';
import type { Reader } from './reader.ts';
import type { FieldDescriptor, PrimitiveType } from './schema.ts';
import { inVersionRange } from './version-range.ts';
import { Writer } from './writer.ts';

type Read = (r: Reader) => unknown;
type Write = (w: Writer, v: unknown) => void;

interface FieldOp {
  readonly name: string;
  /** `wire`: written in order; `tagged`: in the tagged-fields section; `absent`: not in this version. */
  readonly mode: 'wire' | 'tagged' | 'absent';
  readonly tag: number;
  readonly nullable: boolean;
  readonly minSize: number;
  readonly read: Read;
  readonly write: Write;
  readonly makeDefault: () => unknown;
  /** What an omitted value is written as: the default, or `{}` for a struct (its fields then default). */
  readonly encodeDefault: () => unknown;
  readonly isDefault: (v: unknown) => boolean;
}

/**
 * An encode-time failure, carrying the path of the field being written
 * (`topics[0].partitions[2].records`) up to `StructPlan.encode`'s caller, which names the
 * path in the message it reports.
 */
export class FieldPathError extends ProtocolError {
  path: string;

  constructor(path: string, cause: unknown) {
    super(ProtocolErrorCode.INVALID_VALUE, cause instanceof Error ? cause.message : String(cause), { cause });
    this.path = path;
  }
}

function rethrowAt(err: unknown, segment: string): never {
  if (err instanceof FieldPathError) {
    err.path = segment + (err.path.startsWith('[') ? '' : '.') + err.path;
    throw err;
  }
  throw new FieldPathError(segment, err);
}

/**
 * One struct's fields compiled for one (version, flexible) pair: which fields are on the
 * wire, which are tagged, and a reader/writer closure per field chosen once, so encoding
 * and decoding do no per-field version or type dispatch.
 */
export class StructPlan {
  readonly version: number;
  readonly flexible: boolean;
  /** Smallest encoded size: bounds array counts before anything is allocated. */
  readonly minSize: number;
  private readonly ops: readonly FieldOp[];
  private readonly wire: readonly FieldOp[];
  private readonly tagged: readonly FieldOp[];
  private readonly byTag: ReadonlyMap<number, FieldOp>;

  constructor(fields: readonly FieldDescriptor[], version: number, flexible: boolean) {
    this.version = version;
    this.flexible = flexible;
    this.ops = fields.map((f) => compileField(f, version, flexible));
    this.wire = this.ops.filter((op) => op.mode === 'wire');
    this.tagged = this.ops.filter((op) => op.mode === 'tagged').sort((a, b) => a.tag - b.tag);
    const byTag = new Map<number, FieldOp>();
    for (const op of this.tagged) {
      if (byTag.has(op.tag)) {
        throw new ProtocolError(ProtocolErrorCode.INVALID_DESCRIPTOR, `tag ${op.tag} is used twice (${op.name})`);
      }
      byTag.set(op.tag, op);
    }
    this.byTag = byTag;
    this.minSize = this.wire.reduce((n, op) => n + op.minSize, flexible ? 1 : 0);
  }

  decode(r: Reader): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    for (const op of this.ops) obj[op.name] = op.mode === 'wire' ? op.read(r) : op.makeDefault();
    if (this.flexible) this.decodeTagged(r, obj);
    return obj;
  }

  private decodeTagged(r: Reader, obj: Record<string, unknown>): void {
    const count = r.taggedFieldCount();
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      const at = r.pos;
      const size = r.uvarint();
      if (size > r.remaining()) {
        throw new ProtocolError(
          ProtocolErrorCode.INVALID_LENGTH,
          `tagged field ${tag} at byte ${at} declares ${size} bytes, only ${r.remaining()} left`,
        );
      }
      const op = this.byTag.get(tag);
      if (op === undefined) {
        r.skip(size);
        continue;
      }
      const sub = r.sub(size);
      obj[op.name] = op.read(sub);
      if (sub.remaining() !== 0) {
        throw new ProtocolError(
          ProtocolErrorCode.INVALID_LENGTH,
          `tagged field ${op.name} (tag ${tag}) at byte ${at} declares ${size} bytes but its value took ${size - sub.remaining()}`,
        );
      }
    }
  }

  encode(w: Writer, value: unknown): void {
    if (value === null || typeof value !== 'object') {
      throw new FieldPathError('(struct)', new TypeError(`expected an object, got ${value === null ? 'null' : typeof value}`));
    }
    const obj = value as Record<string, unknown>;
    for (const op of this.wire) {
      try {
        op.write(w, valueOf(op, obj));
      } catch (err) {
        rethrowAt(err, op.name);
      }
    }
    if (!this.flexible) return;
    const present: [FieldOp, unknown][] = [];
    for (const op of this.tagged) {
      const v = obj[op.name];
      if (v !== undefined && !op.isDefault(v)) present.push([op, v]);
    }
    w.uvarint(present.length);
    for (const [op, v] of present) {
      try {
        const tmp = new Writer(64);
        op.write(tmp, checkNull(op, v));
        const bytes = tmp.finish();
        w.uvarint(op.tag).uvarint(bytes.length).raw(bytes);
      } catch (err) {
        rethrowAt(err, op.name);
      }
    }
  }
}

function valueOf(op: FieldOp, obj: Record<string, unknown>): unknown {
  const v = obj[op.name];
  return v === undefined ? op.encodeDefault() : checkNull(op, v);
}

function checkNull(op: FieldOp, v: unknown): unknown {
  if (v === null && !op.nullable) throw new TypeError('null is not allowed in this version');
  return v;
}

const plans = new WeakMap<readonly FieldDescriptor[], Map<number, StructPlan>>();

/** The (cached) plan for these fields at this version. */
export function structPlan(fields: readonly FieldDescriptor[], version: number, flexible: boolean): StructPlan {
  let byVersion = plans.get(fields);
  if (byVersion === undefined) {
    byVersion = new Map();
    plans.set(fields, byVersion);
  }
  const key = version * 2 + (flexible ? 1 : 0);
  let plan = byVersion.get(key);
  if (plan === undefined) {
    plan = new StructPlan(fields, version, flexible);
    byVersion.set(key, plan);
  }
  return plan;
}

function compileField(field: FieldDescriptor, version: number, flexible: boolean): FieldOp {
  const present = inVersionRange(field.versions, version);
  const tagged = present && flexible && inVersionRange(field.taggedVersions, version);
  if (tagged && (field.tag === undefined || field.tag < 0)) {
    throw new ProtocolError(ProtocolErrorCode.INVALID_DESCRIPTOR, `tagged field ${field.name} has no tag`);
  }
  const nullable = inVersionRange(field.nullableVersions, version);
  const makeDefault = defaultFactory(field, !present || nullable);
  const isDefault = defaultTester(field);
  const mode = !present ? 'absent' : tagged ? 'tagged' : 'wire';
  const encodeDefault = field.type === 'struct' && !nullable ? () => ({}) : makeDefault;
  const base = { name: field.name, mode, tag: field.tag ?? -1, nullable, makeDefault, encodeDefault, isDefault } as const;
  if (!present) return { ...base, minSize: 0, read: () => makeDefault(), write: () => undefined };

  switch (field.type) {
    case 'array': {
      const elem =
        'items' in field
          ? primitiveCodec(field.items, flexible, false)
          : structCodec(structPlan(field.fields, version, flexible), false);
      return { ...base, ...arrayCodec(elem, flexible, nullable) };
    }
    case 'struct':
      return { ...base, ...structCodec(structPlan(field.fields, version, flexible), nullable) };
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
      return { ...base, ...primitiveCodec(field.type, flexible, nullable) };
  }
}

interface Codec {
  readonly minSize: number;
  readonly read: Read;
  readonly write: Write;
}

function arrayCodec(elem: Codec, flexible: boolean, nullable: boolean): Codec {
  const readElem = elem.read;
  const writeElem = elem.write;
  const minElem = elem.minSize;
  return {
    minSize: flexible ? 1 : 4,
    read: (r) => {
      const at = r.pos;
      const n = flexible ? r.compactArrayLength(minElem) : r.arrayLength(minElem);
      if (n < 0) {
        if (nullable) return null;
        throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `null array at byte ${at} where an array is required`);
      }
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readElem(r));
      return out;
    },
    write: (w, v) => {
      if (v === null) {
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      if (!Array.isArray(v)) throw new TypeError(`expected an array, got ${typeof v}`);
      const items = v as readonly unknown[];
      if (flexible) w.compactArrayLength(items.length);
      else w.arrayLength(items.length);
      for (let i = 0; i < items.length; i++) {
        try {
          const item = items[i];
          if (item === null || item === undefined) throw new TypeError(`array element is ${String(item)}`);
          writeElem(w, item);
        } catch (err) {
          rethrowAt(err, `[${i}]`);
        }
      }
    },
  };
}

function structCodec(plan: StructPlan, nullable: boolean): Codec {
  if (!nullable) return { minSize: plan.minSize, read: (r) => plan.decode(r), write: (w, v) => { plan.encode(w, v); } };
  return {
    minSize: 1,
    read: (r) => (r.int8() < 0 ? null : plan.decode(r)),
    write: (w, v) => {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      plan.encode(w, v);
    },
  };
}

type Bytes = Uint8Array | readonly Uint8Array[];

function primitiveCodec(type: PrimitiveType, flexible: boolean, nullable: boolean): Codec {
  switch (type) {
    case 'int8':
      return { minSize: 1, read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16':
      return { minSize: 2, read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'int32':
      return { minSize: 4, read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'int64':
      return { minSize: 8, read: (r) => r.int64(), write: (w, v) => w.int64(v as bigint) };
    case 'uint16':
      return { minSize: 2, read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'uint32':
      return { minSize: 4, read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number) };
    case 'float64':
      return { minSize: 8, read: (r) => r.float64(), write: (w, v) => w.float64(v as number) };
    case 'bool':
      return { minSize: 1, read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case 'uuid':
      return { minSize: 16, read: (r) => r.uuid(), write: (w, v) => w.uuid(v as string) };
    case 'string':
      if (flexible) {
        return nullable
          ? { minSize: 1, read: (r) => r.compactNullableString(), write: (w, v) => w.compactNullableString(v as string | null) }
          : { minSize: 1, read: (r) => r.compactString(), write: (w, v) => w.compactString(v as string) };
      }
      return nullable
        ? { minSize: 2, read: (r) => r.nullableString(), write: (w, v) => w.nullableString(v as string | null) }
        : { minSize: 2, read: (r) => r.string(), write: (w, v) => w.string(v as string) };
    case 'bytes':
    case 'records':
      if (flexible) {
        return nullable
          ? { minSize: 1, read: (r) => r.compactNullableBytes(), write: (w, v) => w.compactNullableBytes(v as Bytes | null) }
          : { minSize: 1, read: (r) => r.compactBytes(), write: (w, v) => w.compactBytes(v as Bytes) };
      }
      return nullable
        ? { minSize: 4, read: (r) => r.nullableBytes(), write: (w, v) => w.nullableBytes(v as Bytes | null) }
        : { minSize: 4, read: (r) => r.bytes(), write: (w, v) => w.bytes(v as Bytes) };
  }
}
