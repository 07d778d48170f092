import { RecordsError, RecordsErrorCode } from '../errors.ts';
import type { CompressionCodec, CompressionName } from './compression-codec.ts';

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function codecName(codec: CompressionCodec): CompressionName {
  // Callers in plain JS (or with a cast) can pass any number, so check at run time too.
  const name = NAMES[codec];
  if (name === undefined) {
    throw new RecordsError(
      RecordsErrorCode.UNKNOWN_CODEC,
      `Compression codec id ${String(codec)} is not one Brook knows (valid ids: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).`,
    );
  }
  return name;
}
