import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KafkaError, TransactionError, TransactionErrorCode } from '../../client/index.ts';
import { ErrorCode } from '../../client/internal.ts';
import type { ConsumerGroupMetadata, Producer, TopicPartitionOffset } from '../../client/index.ts';

/** Kafka Streams' file for the instance's process id, in `<stateDir>/<applicationId>/`. */
const PROCESS_METADATA_FILE = 'kafka-streams-process-metadata';

/**
 * The instance's process id: read from its state directory, or made and saved there on first
 * start (as Kafka Streams keeps it since 3.2). The transactional id derives from it, so a
 * restarted instance takes over the id of the one it replaces: its initTransactions() fences
 * the old producer and aborts the transaction it left open, instead of leaving it to time out
 * while read_committed readers wait behind it.
 */
export async function loadProcessId(stateDir: string, applicationId: string): Promise<string> {
  const dir = join(stateDir, applicationId);
  const path = join(dir, PROCESS_METADATA_FILE);
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { processId?: unknown };
    if (typeof parsed.processId === 'string' && /^[0-9a-f-]{36}$/.test(parsed.processId)) return parsed.processId;
  } catch {
    // Missing or unreadable: a new id (the old transaction, if any, then ends by its timeout).
  }
  const processId = randomUUID();
  await mkdir(dir, { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify({ processId }), { flush: true });
  await rename(`${path}.tmp`, path);
  return processId;
}

/** `<applicationId>-<processId>-1`: Kafka Streams' exactly_once_v2 id of the instance's one stream thread. */
export function transactionalIdOf(applicationId: string, processId: string): string {
  return `${applicationId}-${processId}-1`;
}

/** Whether a transactional failure leaves the producer unusable (fenced, fatal) rather than only the transaction. */
export function isFatalTransactionError(error: unknown): boolean {
  return error instanceof TransactionError && (error.code === TransactionErrorCode.FENCED || error.code === TransactionErrorCode.FATAL);
}

/**
 * Whether a failure comes from this instance's producer being fenced (PRODUCER_FENCED or
 * INVALID_PRODUCER_EPOCH), looked for along the causes: a task's send failure wraps it.
 */
export function isProducerFenced(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof TransactionError) return current.code === TransactionErrorCode.FENCED;
    // A produce answered with the old epoch fails the send before the producer classifies it.
    if (current instanceof KafkaError) return current.errorCode === ErrorCode.PRODUCER_FENCED || current.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH;
    current = current.cause;
  }
  return false;
}

/**
 * The instance's transaction under exactly_once_v2 (Kafka Streams' StreamsProducer): begun
 * lazily before the first send after a commit, committed with the input offsets of every task
 * (sendOffsetsToTransaction with the consumer's group metadata, so a member rebalanced away
 * cannot commit them), or aborted.
 */
export class StreamsTransaction {
  private readonly producer: Producer;
  private open = false;

  constructor(producer: Producer) {
    this.producer = producer;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Before any send: a record must be inside a transaction. */
  ensureBegun(): void {
    if (this.open) return;
    this.producer.beginTransaction();
    this.open = true;
  }

  /** Commits the open transaction with these offsets (a transaction of offsets alone when nothing was sent). */
  async commit(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    if (!this.open && offsets.length === 0) return;
    this.ensureBegun();
    if (offsets.length > 0) await this.producer.sendOffsetsToTransaction(offsets, group);
    await this.producer.commitTransaction();
    this.open = false;
  }

  /** Aborts the open transaction: read_committed readers never see its records, nor the group its offsets. */
  async abort(): Promise<void> {
    if (!this.open) return;
    try {
      await this.producer.abortTransaction();
    } finally {
      this.open = false;
    }
  }
}
