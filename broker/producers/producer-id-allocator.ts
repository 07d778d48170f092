import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.ts';
import { ProducerStateError, ProducerStateErrorCode } from './errors.ts';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';

/** Kafka's ProducerIdsBlock size: one disk write per 1000 InitProducerId calls. */
export const PRODUCER_ID_BLOCK_SIZE = 1000n;

/** Producer ids are int64 and never negative (-1 means "not idempotent"). */
const END_OF_IDS = 0x8000000000000000n;

/**
 * Hands out producer ids that are never handed out again, also not after a crash: the end
 * of each block is on disk before the first id of the block is used. A restart skips
 * whatever was left of the last block.
 */
export class ProducerIdAllocator {
  readonly file: string;
  private nextId: bigint;
  private blockEnd: bigint;

  private constructor(file: string, reservedEnd: bigint) {
    this.file = file;
    this.nextId = reservedEnd;
    this.blockEnd = reservedEnd;
  }

  static open(dataDir: string): ProducerIdAllocator {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
    return new ProducerIdAllocator(file, readBlockEnd(file));
  }

  next(): bigint {
    if (this.nextId >= this.blockEnd) this.reserveBlock();
    const id = this.nextId;
    this.nextId++;
    return id;
  }

  private reserveBlock(): void {
    if (this.nextId >= END_OF_IDS) {
      throw new ProducerStateError(ProducerStateErrorCode.IDS_EXHAUSTED, `every producer id has been handed out (see ${this.file})`);
    }
    const end = this.nextId + PRODUCER_ID_BLOCK_SIZE < END_OF_IDS ? this.nextId + PRODUCER_ID_BLOCK_SIZE : END_OF_IDS;
    writeFileAtomic(this.file, `${JSON.stringify({ version: 1, blockEnd: end.toString() })}\n`);
    this.blockEnd = end;
  }
}

/** The end of the last reserved block; 0 when no id was ever handed out here. */
function readBlockEnd(file: string): bigint {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProducerStateError(ProducerStateErrorCode.IO_FAILED, `cannot read the producer id block file ${file}: ${reason}`, { cause: error });
  }
  const blockEnd = parseBlockEnd(text);
  if (blockEnd === undefined) {
    throw new ProducerStateError(
      ProducerStateErrorCode.CORRUPT_ID_BLOCK,
      `the producer id block file ${file} is corrupt: expected {"version":1,"blockEnd":"<decimal>"}, found ${JSON.stringify(text.slice(0, 80))}. ` +
        'Restore it from a backup, or write a blockEnd above every producer id this broker has handed out; ' +
        'deleting it would let ids be reused and break idempotent producers.',
    );
  }
  return blockEnd;
}

function parseBlockEnd(text: string): bigint | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { version, blockEnd } = data as { version?: unknown; blockEnd?: unknown };
  if (version !== 1 || typeof blockEnd !== 'string' || !/^\d{1,19}$/.test(blockEnd)) return undefined;
  const value = BigInt(blockEnd);
  return value <= END_OF_IDS ? value : undefined;
}
