/**
 * Bytes read as UTF-8 text. A Buffer (what the consumer hands over) is read as it is: wrapping
 * it in a new Buffer view first costs an object per key, value and header of every record.
 */
export function utf8Text(bytes: Uint8Array): string {
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
