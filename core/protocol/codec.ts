import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import type { MessageInput, MessageValue } from './message-value.ts';
import type { Reader } from './reader.ts';
import type { FieldDescriptor } from './schema.ts';
import { FieldPathError, structPlan } from './struct-plan.ts';
import type { Writer } from './writer.ts';

/**
 * Writes one message body (request or response) at `version`. `flexible` selects compact
 * strings, bytes and arrays and tagged-field sections. Fields the version lacks are not
 * written; fields left out of `value` are written as their defaults.
 */
export function encodeMessage<S extends readonly FieldDescriptor[]>(
  fields: S,
  version: number,
  flexible: boolean,
  value: MessageInput<S>,
  writer: Writer,
): void {
  try {
    structPlan(fields, version, flexible).encode(writer, value);
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_VALUE,
      `cannot encode ${err.path} at version ${version}: ${err.message}`,
      { cause: err.cause },
    );
  }
}

/**
 * Reads one message body at `version`. Fields the version lacks hold their defaults;
 * unknown tagged fields are skipped. Bytes and records are views of the reader's buffer.
 */
export function decodeMessage<S extends readonly FieldDescriptor[]>(
  fields: S,
  version: number,
  flexible: boolean,
  reader: Reader,
): MessageValue<S> {
  return structPlan(fields, version, flexible).decode(reader) as MessageValue<S>;
}
