import type { Command } from 'commander';
import { ClientError, Consumer } from '../../client/index.ts';
import type { ConsumerRecord, TopicPartition, TopicPartitionOffset } from '../../client/index.ts';
import { BrookError } from '../../core/base/index.ts';
import { DEFAULT_BOOTSTRAP } from '../common.ts';
import { startProgress } from '../progress.ts';

const ConsumeErrorCode = { USAGE: 'ERR_CONSUME_USAGE' } as const;

const COMMIT_EVERY_MS = 5000;

interface ConsumeFlags {
  bootstrapServer: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  format: string;
}

function usage(message: string): BrookError {
  return new BrookError(ConsumeErrorCode.USAGE, message);
}

const MAX_PARTITION = 2_147_483_647;
const MAX_OFFSET = 2n ** 63n - 1n;

function nonNegative(flag: string, value: string, max: number): number {
  if (!/^[0-9]+$/.test(value)) throw usage(`${flag} must be a non-negative integer, not '${value}'`);
  if (Number(value) > max) throw usage(`${flag} must be at most ${max}, not ${value}`);
  return Number(value);
}

/** `--offset`: where to start in the partition, as kafka-console-consumer takes it. */
function parseOffset(value: string): bigint | 'earliest' | 'latest' {
  if (value === 'earliest' || value === 'latest') return value;
  if (!/^[0-9]+$/.test(value) || BigInt(value) > MAX_OFFSET) throw usage(`--offset must be a non-negative integer, earliest or latest, not '${value}'`);
  return BigInt(value);
}

function formatRecord(format: 'text' | 'json', topic: string, partition: number, record: ConsumerRecord): string {
  if (format === 'text') return record.value === null ? 'null' : record.value.toString('utf8');
  return JSON.stringify({
    topic,
    partition,
    offset: record.offset.toString(),
    timestamp: Number(record.timestamp),
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value === null ? null : record.value.toString('utf8'),
    headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('utf8')])),
  });
}

/** stdout, given up once its reader is gone (`brook consume ... | head` closes the pipe). */
class Output {
  closed = false;
  /** A fault of stdout other than a closed pipe, reported after the consumer has stopped. */
  error: Error | undefined;

  private readonly onClosed: () => void;

  constructor(onClosed: () => void) {
    this.onClosed = onClosed;
    process.stdout.on('error', this.failed);
  }

  /** Waits for stdout to drain when it is full, so a slow reader of the pipe slows the consumer. */
  write(text: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (process.stdout.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('close', done);
    });
  }

  dispose(): void {
    process.stdout.off('error', this.failed);
  }

  private readonly failed = (error: NodeJS.ErrnoException): void => {
    if (this.closed) return;
    this.closed = true;
    if (error.code !== 'EPIPE') this.error = new BrookError('ERR_CONSUME_OUTPUT', `cannot write to stdout: ${error.message}`);
    this.onClosed();
  };
}

async function consume(topic: string, flags: ConsumeFlags): Promise<void> {
  const format = flags.format;
  if (format !== 'text' && format !== 'json') throw usage(`--format must be text or json, not '${format}'`);
  const maxMessages = flags.maxMessages === undefined ? Infinity : nonNegative('--max-messages', flags.maxMessages, Number.MAX_SAFE_INTEGER);
  const partition = flags.partition === undefined ? undefined : nonNegative('--partition', flags.partition, MAX_PARTITION);
  const offset = flags.offset === undefined ? undefined : parseOffset(flags.offset);
  if (offset !== undefined && partition === undefined) throw usage('--offset needs --partition');
  if (offset !== undefined && flags.fromBeginning === true) throw usage('give --offset or --from-beginning, not both');
  if (partition !== undefined && flags.group !== undefined) throw usage('--partition reads without a group; leave out --group');
  const startAtEarliest = flags.fromBeginning === true || offset === 'earliest';

  // What was printed, per partition: the only offsets committed.
  const printed = new Map<string, TopicPartitionOffset>();
  const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
  const consumer = new Consumer({
    bootstrapServers: flags.bootstrapServer,
    clientId: 'brook-consume',
    autoCommit: false,
    autoOffsetReset: startAtEarliest ? 'earliest' : 'latest',
    ...(flags.group === undefined ? {} : { groupId: flags.group }),
    // A partition taken away (a rebalance, or close) gets what was printed of it committed
    // while it is still this member's, and is then forgotten: its next owner commits it.
    onRevoked: async (partitions) => {
      const offsets = partitions.flatMap((tp) => printed.get(key(tp)) ?? []);
      for (const tp of partitions) printed.delete(key(tp));
      if (flags.group !== undefined && offsets.length > 0) await consumer.commit(offsets).catch(() => undefined);
    },
  });
  let lastCommit = Date.now();
  const commit = async (): Promise<void> => {
    if (flags.group === undefined || printed.size === 0) return;
    try {
      await consumer.commit([...printed.values()]);
    } catch (error) {
      // A rebalance is under way: the revocation it brings commits these partitions.
      if (!(error instanceof ClientError && error.retriable)) throw error;
    }
    lastCommit = Date.now();
  };
  const state: { stopping: Promise<void> | undefined } = { stopping: undefined };
  const stop = (): void => {
    // Ctrl-C, or stdout's reader gone: commit what was printed, then close, which ends the loop below.
    state.stopping ??= commit()
      .catch(() => undefined)
      .finally(() => consumer.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const output = new Output(stop);
  let count = 0;
  const progress = startProgress(() => `${count} records consumed`, { resultsOnStdout: true });
  try {
    await consumer.connect();
    if (flags.group !== undefined) {
      await consumer.partitionsFor(topic);
      consumer.subscribe([topic]);
    } else {
      const partitions = partition === undefined ? await consumer.partitionsFor(topic) : [partition];
      if (partition !== undefined && !(await consumer.partitionsFor(topic)).includes(partition)) {
        throw usage(`topic '${topic}' has no partition ${partition}`);
      }
      await consumer.assign(partitions.map((p) => ({ topic, partition: p, ...(typeof offset === 'bigint' ? { offset } : {}) })));
    }
    if (maxMessages > 0) {
      for await (const batch of consumer) {
        const lines: string[] = [];
        let last: bigint | undefined;
        for (const record of batch.records) {
          lines.push(formatRecord(format, batch.topic, batch.partition, record));
          last = record.offset;
          if (++count >= maxMessages) break;
        }
        await output.write(`${lines.join('\n')}\n`);
        if (output.closed) break;
        if (last !== undefined) printed.set(key(batch), { topic: batch.topic, partition: batch.partition, offset: last + 1n });
        if (count >= maxMessages) break;
        if (Date.now() - lastCommit >= COMMIT_EVERY_MS) await commit();
      }
    }
    // After Ctrl-C the signal handler commits.
    if (state.stopping === undefined) await commit();
  } finally {
    progress.stop();
    output.dispose();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await state.stopping;
    await consumer.close();
  }
  if (output.error !== undefined) throw output.error;
}

/** `brook consume TOPIC`: prints records of a topic, like kafka-console-consumer. */
export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('print the records of a topic (like kafka-console-consumer)')
    .argument('<topic>')
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--group <group>', 'consume as a member of this consumer group, committing what was printed')
    .option('--from-beginning', 'start at the earliest offset when there is no committed offset')
    .option('--partition <p>', 'read only this partition (without a group)')
    .option('--offset <n>', 'with --partition: start at this offset, or at earliest or latest')
    .option('--max-messages <n>', 'exit after printing this many records')
    .option('--format <format>', 'text (values) or json (one object per record)', 'text')
    .action((topic: string, flags: ConsumeFlags) => consume(topic, flags));
}
