import { RecordsError, RecordsErrorCode } from '../errors.ts';
import type { CompressionName } from './compression-codec.ts';

/** The payload is not a valid stream of its codec. */
export function corruptCompressed(codec: CompressionName, problem: string, cause?: unknown): RecordsError {
  return new RecordsError(
    RecordsErrorCode.CORRUPT_COMPRESSED,
    `${codec} payload is corrupt: ${problem}. The producer sent damaged bytes or a codec id that does not ` +
      'match them; drop this batch and check the producer\'s compression settings.',
    cause === undefined ? {} : { cause },
  );
}

/** The payload would expand past the caller's cap (a decompression bomb or an oversized batch). */
export function decompressedTooLarge(codec: CompressionName, maxBytes: number, problem: string): RecordsError {
  return new RecordsError(
    RecordsErrorCode.DECOMPRESSED_TOO_LARGE,
    `${codec} payload would decompress to more than the ${maxBytes}-byte limit: ${problem}. ` +
      'Reject the batch; if producers legitimately send batches this large, raise the decompression limit.',
  );
}

/** The message of whatever a native codec threw, for embedding in ours. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
