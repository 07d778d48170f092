import { ProtocolError, ProtocolErrorCode } from './errors.ts';

/** Kafka's Uuid.ZERO_UUID, the default of every uuid field. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Protocol uuids are 16 bytes on the wire and canonical lowercase text in values. */
export function uuidToBytes(value: string): Buffer {
  if (!UUID_PATTERN.test(value)) {
    throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `not a uuid (8-4-4-4-12 hex digits): ${JSON.stringify(value)}`);
  }
  return Buffer.from(value.replaceAll('-', ''), 'hex');
}

export function bytesToUuid(bytes: Buffer, pos: number): string {
  const hex = bytes.toString('hex', pos, pos + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
