import { BrookError } from '../base/index.ts';

export const ProtocolErrorCode = {
  /** A fixed-size read ran past the end of the bytes present. */
  TRUNCATED: 'ERR_PROTOCOL_TRUNCATED',
  /** A length or count prefix is negative, exceeds the bytes left, or exceeds a limit. */
  INVALID_LENGTH: 'ERR_PROTOCOL_INVALID_LENGTH',
  /** An unsigned varint is longer than 5 bytes or does not fit 32 bits. */
  INVALID_VARINT: 'ERR_PROTOCOL_INVALID_VARINT',
  /** A value cannot be written in this version: null where not nullable, bad uuid, too long. */
  INVALID_VALUE: 'ERR_PROTOCOL_INVALID_VALUE',
  /** Bytes were left over after a whole message was decoded. */
  TRAILING_BYTES: 'ERR_PROTOCOL_TRAILING_BYTES',
  /** A frame declares a size above the configured maximum. */
  FRAME_TOO_LARGE: 'ERR_PROTOCOL_FRAME_TOO_LARGE',
  /** The API exists but Brook does not describe this version of it. */
  UNSUPPORTED_VERSION: 'ERR_PROTOCOL_UNSUPPORTED_VERSION',
  /** The API key is not one Brook describes. */
  UNKNOWN_API: 'ERR_PROTOCOL_UNKNOWN_API',
  /** A descriptor is malformed (a programming error in core/protocol/apis). */
  INVALID_DESCRIPTOR: 'ERR_PROTOCOL_INVALID_DESCRIPTOR',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export class ProtocolError extends BrookError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
