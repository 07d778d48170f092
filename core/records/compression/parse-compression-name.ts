import { RecordsError, RecordsErrorCode } from '../errors.ts';
import { CompressionCodec } from './compression-codec.ts';

/** Parse a `compression.type` value as Kafka spells it: lower case, exactly. */
export function parseCompressionName(name: string): CompressionCodec {
  // Object.hasOwn keeps inherited keys such as 'toString' from passing as codec names.
  if (Object.hasOwn(CompressionCodec, name)) {
    return CompressionCodec[name as keyof typeof CompressionCodec];
  }
  throw new RecordsError(
    RecordsErrorCode.UNKNOWN_CODEC,
    `Unknown compression type ${JSON.stringify(name)}; use one of: ${Object.keys(CompressionCodec).join(', ')}.`,
  );
}
