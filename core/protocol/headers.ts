import { ApiKey, descriptorFor } from './apis/index.ts';
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import type { Reader } from './reader.ts';
import { isFlexibleVersion } from './version-range.ts';
import type { Writer } from './writer.ts';

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Absent (null) in header v0; a nullable INT16-length string in v1 and v2. */
  readonly clientId: string | null;
}

export interface ResponseHeader {
  readonly correlationId: number;
}

export type RequestHeaderVersion = 0 | 1 | 2;
export type ResponseHeaderVersion = 0 | 1;

function describedOrThrow(apiKey: number): { readonly flexibleVersions: number | null } {
  const descriptor = descriptorFor(apiKey);
  if (descriptor === undefined) {
    throw new ProtocolError(ProtocolErrorCode.UNKNOWN_API, `API key ${apiKey} is not one Brook knows`);
  }
  return descriptor;
}

/**
 * Flexible request versions use header v2 (tagged fields), the others v1. Header v0 belongs
 * only to ControlledShutdown v0, which Brook does not describe. This follows Kafka's first
 * flexible version even past the versions Brook describes, so the header of a too-new
 * request still parses and can be answered with UNSUPPORTED_VERSION.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): RequestHeaderVersion {
  return isFlexibleVersion(describedOrThrow(apiKey), apiVersion) ? 2 : 1;
}

/**
 * Flexible response versions use header v1, except ApiVersions: its response header is
 * always v0, because a client reads it before it knows which versions the broker speaks.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): ResponseHeaderVersion {
  if (apiKey === ApiKey.API_VERSIONS) return 0;
  return isFlexibleVersion(describedOrThrow(apiKey), apiVersion) ? 1 : 0;
}

export function encodeRequestHeader(
  w: Writer,
  header: RequestHeader,
  version: RequestHeaderVersion = requestHeaderVersion(header.apiKey, header.apiVersion),
): void {
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId);
  if (version === 0) return;
  // The client id keeps its INT16 length even in header v2 (it is not flexible).
  w.nullableString(header.clientId);
  if (version === 2) w.uvarint(0);
}

/**
 * Reads a request header, choosing its version from the API key and version it starts
 * with. Throws ERR_PROTOCOL_UNKNOWN_API for a key Brook does not describe.
 */
export function decodeRequestHeader(r: Reader): RequestHeader & { readonly headerVersion: RequestHeaderVersion } {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const clientId = r.nullableString();
  if (headerVersion === 2) skipTaggedFields(r);
  return { apiKey, apiVersion, correlationId, clientId, headerVersion };
}

export function encodeResponseHeader(w: Writer, header: ResponseHeader, version: ResponseHeaderVersion): void {
  w.int32(header.correlationId);
  if (version === 1) w.uvarint(0);
}

export function decodeResponseHeader(r: Reader, version: ResponseHeaderVersion): ResponseHeader {
  const correlationId = r.int32();
  if (version === 1) skipTaggedFields(r);
  return { correlationId };
}

/** Headers define no tagged fields Brook uses; any that arrive are skipped. */
function skipTaggedFields(r: Reader): void {
  const count = r.taggedFieldCount();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    const at = r.pos;
    const size = r.uvarint();
    if (size > r.remaining()) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_LENGTH,
        `header tagged field at byte ${at} declares ${size} bytes, only ${r.remaining()} left`,
      );
    }
    r.skip(size);
  }
}
