import { decodeMessage, encodeMessage } from './codec.ts';
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { decodeRequestHeader, encodeRequestHeader } from './headers.ts';
import type { RequestHeader, RequestHeaderVersion } from './headers.ts';
import { descriptorFor } from './apis/index.ts';
import type { ApiKey, RequestBody, RequestInput } from './apis/index.ts';
import type { MessageInput } from './message-value.ts';
import { Reader } from './reader.ts';
import type { FieldDescriptor, MessageDescriptor } from './schema.ts';
import { isFlexibleVersion } from './version-range.ts';
import { Writer } from './writer.ts';

type AnyInput = MessageInput<readonly FieldDescriptor[]>;

/** A decoded request; narrow on `apiKey` to get the typed body. */
export type DecodedRequest = {
  [K in ApiKey]: {
    readonly apiKey: K;
    readonly header: RequestHeader & { readonly headerVersion: RequestHeaderVersion };
    readonly body: RequestBody<K>;
  };
}[ApiKey];

/** The descriptor for (apiKey, apiVersion), or a ProtocolError naming what is unsupported. */
export function describedVersion(apiKey: number, apiVersion: number): MessageDescriptor {
  const descriptor = descriptorFor(apiKey);
  if (descriptor === undefined) {
    throw new ProtocolError(ProtocolErrorCode.UNKNOWN_API, `API key ${apiKey} is not one Brook knows`);
  }
  const [min, max] = descriptor.validVersions;
  if (apiVersion < min || apiVersion > max) {
    throw new ProtocolError(
      ProtocolErrorCode.UNSUPPORTED_VERSION,
      `${descriptor.name} version ${apiVersion} is not supported (versions ${min}-${max})`,
    );
  }
  return descriptor;
}

/**
 * Writes a whole request frame: INT32 size, header (v1 or v2 as the version requires),
 * body. Returns the writer; send `writer.chunks()` or `writer.finish()`.
 */
export function encodeRequest<K extends ApiKey>(
  header: RequestHeader & { readonly apiKey: K },
  body: RequestInput<K>,
  writer: Writer = new Writer(),
): Writer {
  const descriptor = describedVersion(header.apiKey, header.apiVersion);
  const slot = writer.reserveInt32();
  const start = writer.length;
  encodeRequestHeader(writer, header);
  encodeMessage(descriptor.request, header.apiVersion, isFlexibleVersion(descriptor, header.apiVersion), body as AnyInput, writer);
  writer.patchInt32(slot, writer.length - start);
  return writer;
}

/**
 * Reads the body of a request whose header is already read, and checks that nothing is
 * left over. Throws ERR_PROTOCOL_UNSUPPORTED_VERSION for a version Brook does not describe,
 * so a broker can read the header first and still answer such a request.
 */
export function decodeRequestBody(
  header: RequestHeader & { readonly headerVersion: RequestHeaderVersion },
  reader: Reader,
): DecodedRequest {
  const descriptor = describedVersion(header.apiKey, header.apiVersion);
  const body = decodeMessage(descriptor.request, header.apiVersion, isFlexibleVersion(descriptor, header.apiVersion), reader);
  if (reader.remaining() !== 0) {
    throw new ProtocolError(
      ProtocolErrorCode.TRAILING_BYTES,
      `${descriptor.name} v${header.apiVersion} request has ${reader.remaining()} bytes left after its body at byte ${reader.pos}`,
    );
  }
  return { apiKey: header.apiKey, header, body } as DecodedRequest;
}

/** Decodes a request frame payload (as `FrameDecoder` yields it: no size prefix). */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const reader = new Reader(frame);
  return decodeRequestBody(decodeRequestHeader(reader), reader);
}
