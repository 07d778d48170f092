import { decodeMessage, encodeMessage } from './codec.ts';
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { decodeResponseHeader, encodeResponseHeader, responseHeaderVersion } from './headers.ts';
import type { ApiKey, ResponseBody, ResponseInput } from './apis/index.ts';
import type { MessageInput } from './message-value.ts';
import { Reader } from './reader.ts';
import type { FieldDescriptor } from './schema.ts';
import { describedVersion } from './request.ts';
import { isFlexibleVersion } from './version-range.ts';
import { Writer } from './writer.ts';

type AnyInput = MessageInput<readonly FieldDescriptor[]>;

export interface DecodedResponse<K extends ApiKey> {
  readonly correlationId: number;
  readonly body: ResponseBody<K>;
}

/**
 * Writes a whole response frame: INT32 size, response header (v0, or v1 for flexible
 * versions other than ApiVersions), body. Returns the writer; large record buffers in the
 * body stay by reference until `chunks()` or `finish()`.
 */
export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInput<K>,
  writer: Writer = new Writer(),
): Writer {
  const descriptor = describedVersion(apiKey, apiVersion);
  const slot = writer.reserveInt32();
  const start = writer.length;
  encodeResponseHeader(writer, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
  encodeMessage(descriptor.response, apiVersion, isFlexibleVersion(descriptor, apiVersion), body as AnyInput, writer);
  writer.patchInt32(slot, writer.length - start);
  return writer;
}

/**
 * Decodes a response frame payload (no size prefix). The client supplies the API key and
 * version: a response does not carry them, only the correlation id of its request.
 */
export function decodeResponse<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer): DecodedResponse<K> {
  const descriptor = describedVersion(apiKey, apiVersion);
  const reader = new Reader(frame);
  const { correlationId } = decodeResponseHeader(reader, responseHeaderVersion(apiKey, apiVersion));
  const body = decodeMessage(descriptor.response, apiVersion, isFlexibleVersion(descriptor, apiVersion), reader);
  if (reader.remaining() !== 0) {
    throw new ProtocolError(
      ProtocolErrorCode.TRAILING_BYTES,
      `${descriptor.name} v${apiVersion} response has ${reader.remaining()} bytes left after its body at byte ${reader.pos}`,
    );
  }
  return { correlationId, body: body as ResponseBody<K> };
}
