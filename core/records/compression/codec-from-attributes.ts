import { RecordsError, RecordsErrorCode } from '../errors.ts';
import type { CompressionCodec } from './compression-codec.ts';

const CODEC_MASK = 0x07;

/** The codec named by bits 0-2 of a record batch's attributes field. */
export function codecFromAttributes(attributes: number): CompressionCodec {
  const id = attributes & CODEC_MASK;
  switch (id) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return id;
    default:
      throw new RecordsError(
        RecordsErrorCode.UNKNOWN_CODEC,
        `Record batch attributes 0x${(attributes & 0xffff).toString(16).padStart(4, '0')} name compression codec ${id}, ` +
          'which Kafka does not define (valid: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). The batch is corrupt or from ' +
          'a newer protocol; reject it.',
      );
  }
}
