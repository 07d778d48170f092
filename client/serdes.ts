import { BrookError } from '../core/base/index.ts';

/** Where the bytes came from or go to, for error messages; every field is optional. */
export interface SerdeContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: bigint;
}

/**
 * Turns a value into record bytes. `null` is Kafka's null (a tombstone for a value, no key
 * for a key) and stays null.
 */
export interface Serializer<T> {
  serialize(value: T | null, context?: SerdeContext): Buffer | null;
}

/** Turns record bytes back into a value; a null key or value stays null. */
export interface Deserializer<T> {
  deserialize(data: Buffer | null, context?: SerdeContext): T | null;
}

export interface Serde<T> extends Serializer<T>, Deserializer<T> {}

export const SerdeErrorCode = {
  /** A value could not be turned into bytes (e.g. JSON with a bigint or a cycle). */
  SERIALIZE: 'ERR_SERDE_SERIALIZE',
  /** Record bytes could not be read as the expected format. */
  DESERIALIZE: 'ERR_SERDE_DESERIALIZE',
} as const;
export type SerdeErrorCode = (typeof SerdeErrorCode)[keyof typeof SerdeErrorCode];

/** A record that could not be (de)serialized. Not retriable: the same bytes fail the same way. */
export class SerdeError extends BrookError {
  declare readonly code: SerdeErrorCode;

  constructor(code: SerdeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retriable: false, ...options });
  }
}

/** ` in topic 'orders' partition 2 at offset 17`, with whatever parts are known. */
export function describeSerdeContext(context: SerdeContext | undefined): string {
  if (context === undefined) return '';
  const parts: string[] = [];
  if (context.topic !== undefined) parts.push(`topic '${context.topic}'`);
  if (context.partition !== undefined) parts.push(`partition ${context.partition}`);
  if (context.offset !== undefined) parts.push(`at offset ${context.offset}`);
  return parts.length === 0 ? '' : ` in ${parts.join(' ')}`;
}

/** UTF-8 text. */
export const stringSerde: Serde<string> = {
  serialize: (value) => (value === null ? null : Buffer.from(value, 'utf8')),
  deserialize: (data) => (data === null ? null : data.toString('utf8')),
};

/** Bytes as they are; no copy is made. */
export const bytesSerde: Serde<Buffer> = {
  serialize: (value) => value,
  deserialize: (data) => data,
};

/** JSON text in UTF-8. Invalid JSON throws an ERR_SERDE_DESERIALIZE naming where the record came from. */
export const jsonSerde: Serde<unknown> = {
  serialize(value, context) {
    if (value === null) return null;
    let text: string | undefined;
    try {
      // Typed as string, but undefined for undefined, functions and symbols.
      const stringify: (v: unknown) => string | undefined = JSON.stringify;
      text = stringify(value);
    } catch (error) {
      throw new SerdeError(SerdeErrorCode.SERIALIZE, `cannot serialize the value as JSON${describeSerdeContext(context)}: ${messageOf(error)}`, { cause: error });
    }
    if (text === undefined) throw new SerdeError(SerdeErrorCode.SERIALIZE, `cannot serialize a value of type ${typeof value} as JSON${describeSerdeContext(context)}`);
    return Buffer.from(text, 'utf8');
  },
  deserialize(data, context) {
    if (data === null) return null;
    try {
      return JSON.parse(data.toString('utf8')) as unknown;
    } catch (error) {
      throw new SerdeError(SerdeErrorCode.DESERIALIZE, `invalid JSON${describeSerdeContext(context)}: ${messageOf(error)}`, { cause: error });
    }
  },
};

/**
 * JSON whose decoded values are checked by `check` (a type guard, e.g. from an ajv schema),
 * so the type `T` is earned rather than assumed.
 */
export function checkedJsonSerde<T>(check: (value: unknown) => value is T, what = 'value'): Serde<T> {
  return {
    serialize: (value, context) => jsonSerde.serialize(value, context),
    deserialize(data, context) {
      const value = jsonSerde.deserialize(data, context);
      if (value === null) return null;
      if (!check(value)) throw new SerdeError(SerdeErrorCode.DESERIALIZE, `the JSON${describeSerdeContext(context)} is not a valid ${what}`);
      return value;
    },
  };
}

/** Builds a serde from two functions; null passes through without calling them. */
export function serde<T>(serialize: (value: T, context?: SerdeContext) => Buffer, deserialize: (data: Buffer, context?: SerdeContext) => T): Serde<T> {
  return {
    serialize: (value, context) => (value === null ? null : serialize(value, context)),
    deserialize: (data, context) => (data === null ? null : deserialize(data, context)),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
