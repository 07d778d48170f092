import type { Command } from 'commander';
import { Consumer } from '../../client/index.ts';
import type { ConsumerRecord, TopicPartitionOffset } from '../../client/index.ts';
import { BrookError } from '../../core/protocol/index.ts';

const ConsumeErrorCode = { USAGE: 'ERR_CONSUME_USAGE' } as const;

const DEFAULT_BOOTSTRAP = 'localhost:9092';
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

function nonNegative(flag: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) throw usage(`${flag} must be a non-negative integer, not '${value}'`);
  return Number(value);
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

/** Waits for stdout to drain when it is full, so a slow reader of the pipe slows the consumer. */
function write(text: string): Promise<void> {
  if (process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', () => {
      resolve();
    }));
}

async function consume(topic: string, flags: ConsumeFlags): Promise<void> {
  const format = flags.format;
  if (format !== 'text' && format !== 'json') throw usage(`--format must be text or json, not '${format}'`);
  const maxMessages = flags.maxMessages === undefined ? Infinity : nonNegative('--max-messages', flags.maxMessages);
  const partition = flags.partition === undefined ? undefined : nonNegative('--partition', flags.partition);
  const offset = flags.offset === undefined ? undefined : BigInt(nonNegative('--offset', flags.offset));
  if (offset !== undefined && partition === undefined) throw usage('--offset needs --partition');
  if (partition !== undefined && flags.group !== undefined) throw usage('--partition reads without a group; leave out --group');

  const consumer = new Consumer({
    bootstrapServers: flags.bootstrapServer,
    clientId: 'brook-consume',
    autoCommit: false,
    autoOffsetReset: flags.fromBeginning === true ? 'earliest' : 'latest',
    ...(flags.group === undefined ? {} : { groupId: flags.group }),
  });
  // What was printed, per partition: the only offsets committed.
  const printed = new Map<string, TopicPartitionOffset>();
  let lastCommit = Date.now();
  const commit = async (): Promise<void> => {
    if (flags.group === undefined || printed.size === 0) return;
    await consumer.commit([...printed.values()]);
    lastCommit = Date.now();
  };
  const state = { stopRequested: false };
  const isStopping = (): boolean => state.stopRequested;
  const stop = (): void => {
    // Ctrl-C: commit what was printed, then close, which ends the loop below.
    state.stopRequested = true;
    void commit()
      .catch(() => undefined)
      .finally(() => consumer.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
      await consumer.assign(partitions.map((p) => ({ topic, partition: p, ...(offset === undefined ? {} : { offset }) })));
    }
    let count = 0;
    if (maxMessages > 0) {
      for await (const batch of consumer) {
        const lines: string[] = [];
        let last: bigint | undefined;
        for (const record of batch.records) {
          lines.push(formatRecord(format, batch.topic, batch.partition, record));
          last = record.offset;
          if (++count >= maxMessages) break;
        }
        await write(`${lines.join('\n')}\n`);
        if (last !== undefined) printed.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: last + 1n });
        if (count >= maxMessages) break;
        if (Date.now() - lastCommit >= COMMIT_EVERY_MS) await commit();
      }
    }
    // After Ctrl-C the signal handler commits.
    if (!isStopping()) await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
  }
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
    .option('--offset <n>', 'with --partition: start at this offset')
    .option('--max-messages <n>', 'exit after printing this many records')
    .option('--format <format>', 'text (values) or json (one object per record)', 'text')
    .action((topic: string, flags: ConsumeFlags) => consume(topic, flags));
}
