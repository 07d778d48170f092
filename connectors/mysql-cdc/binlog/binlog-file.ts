import { BinlogDecoder, HEADER_LENGTH } from './decoder.ts';
import type { BinlogDecoderOptions } from './decoder.ts';
import { BinlogError, BinlogErrorCode } from './errors.ts';
import type { BinlogEvent } from './types.ts';

/** Every binlog file starts with these four bytes: 0xfe 'b' 'i' 'n'. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

export interface RawEvent {
  /** Offset of the event in the file. */
  readonly position: number;
  readonly bytes: Buffer;
}

/**
 * Splits the bytes of a binlog file into events by their headers' sizes, without decoding them.
 * A torn last event (a file still being written) ends the iteration with a MALFORMED_EVENT error
 * naming its position; the caller decides whether to wait for more bytes.
 */
export function* splitBinlogFile(bytes: Buffer, file?: string): Generator<RawEvent> {
  if (bytes.length < BINLOG_MAGIC.length || !bytes.subarray(0, BINLOG_MAGIC.length).equals(BINLOG_MAGIC)) {
    throw new BinlogError(BinlogErrorCode.BAD_MAGIC, 'the file does not start with the binlog magic bytes fe 62 69 6e', { file, position: 0 });
  }
  let at = BINLOG_MAGIC.length;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER_LENGTH) {
      throw new BinlogError(BinlogErrorCode.MALFORMED_EVENT, `the file ends ${bytes.length - at} bytes into an event header`, { file, position: at });
    }
    const size = bytes.readUInt32LE(at + 9);
    if (size < HEADER_LENGTH || size > bytes.length - at) {
      throw new BinlogError(BinlogErrorCode.MALFORMED_EVENT, `the event claims ${size} bytes, ${bytes.length - at} remain in the file`, {
        file,
        position: at,
        eventType: bytes[at + 4],
      });
    }
    yield { position: at, bytes: bytes.subarray(at, at + size) };
    at += size;
  }
}

/** Decodes every event of a binlog file's bytes, in order. */
export function decodeBinlogFile(bytes: Buffer, options: BinlogDecoderOptions = {}): BinlogEvent[] {
  const decoder = new BinlogDecoder(options);
  const events: BinlogEvent[] = [];
  for (const raw of splitBinlogFile(bytes, options.file)) events.push(decoder.decode(raw.bytes, raw.position));
  return events;
}
