import type { Command } from 'commander';
import { Consumer } from '../../client/index.ts';
import { BrookError } from '../../core/protocol/index.ts';

const DEFAULT_BOOTSTRAP = 'localhost:9092';

interface PerfConsumeFlags {
  bootstrapServer: string;
  topic: string;
  messages: string;
  group?: string;
  fetchSize: string;
  format: string;
}

function positive(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0) throw new BrookError('ERR_PERF_USAGE', `${flag} must be a positive integer, not '${value}'`);
  if (Number(value) > max) throw new BrookError('ERR_PERF_USAGE', `${flag} must be at most ${max}, not ${value}`);
  return Number(value);
}

/** Reads `messages` records from the beginning of a topic and prints the rate, like kafka-consumer-perf-test. */
async function perfConsume(flags: PerfConsumeFlags): Promise<void> {
  const messages = positive('--messages', flags.messages);
  // An int32 on the wire.
  const fetchSize = positive('--fetch-size', flags.fetchSize, 2_147_483_647);
  if (flags.format !== 'text' && flags.format !== 'json') throw new BrookError('ERR_PERF_USAGE', `--format must be text or json, not '${flags.format}'`);
  const consumer = new Consumer({
    bootstrapServers: flags.bootstrapServer,
    clientId: 'brook-perf-consume',
    autoOffsetReset: 'earliest',
    maxPartitionBytes: fetchSize,
    ...(flags.group === undefined ? {} : { groupId: flags.group }),
  });
  try {
    await consumer.connect();
    const partitions = await consumer.partitionsFor(flags.topic);
    const started = performance.now();
    if (flags.group === undefined) await consumer.assign(partitions.map((partition) => ({ topic: flags.topic, partition, offset: 0n })));
    else consumer.subscribe([flags.topic]);
    let records = 0;
    let bytes = 0;
    const tty = process.stderr.isTTY;
    let lastProgress = started;
    for await (const batch of consumer) {
      for (const record of batch.records) {
        bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0);
      }
      records += batch.records.length;
      if (tty && performance.now() - lastProgress > 1000) {
        lastProgress = performance.now();
        process.stderr.write(`\r${records} records...`);
      }
      if (records >= messages) break;
    }
    const seconds = (performance.now() - started) / 1000;
    if (tty) process.stderr.write('\r');
    const result = {
      records,
      seconds: Number(seconds.toFixed(3)),
      recordsPerSec: Math.round(records / seconds),
      mbPerSec: Number((bytes / 1024 / 1024 / seconds).toFixed(2)),
      mb: Number((bytes / 1024 / 1024).toFixed(2)),
    };
    console.log(
      flags.format === 'json'
        ? JSON.stringify(result)
        : `${result.records} records (${result.mb} MB) consumed in ${result.seconds} s: ${result.recordsPerSec} records/s, ${result.mbPerSec} MB/s`,
    );
  } finally {
    await consumer.close();
  }
}

/**
 * Adds `consume` under the `perf` command, creating `perf` if no one registered it yet: the
 * producer's `perf produce` (cli/commands/perf.ts) and this live side by side whichever
 * registers first.
 */
export function registerPerfConsume(program: Command): void {
  const perf = program.commands.find((c) => c.name() === 'perf') ?? program.command('perf').description('measure producer and consumer throughput');
  perf
    .command('consume')
    .description('consume records from the beginning of a topic and print records/s and MB/s (like kafka-consumer-perf-test)')
    .requiredOption('--topic <topic>', 'topic to read')
    .requiredOption('--messages <n>', 'how many records to read')
    .option('--group <group>', 'consume as a member of this group (default: assign every partition, no group)')
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--fetch-size <bytes>', 'max bytes per partition per fetch', String(1024 * 1024))
    .option('--format <format>', 'text or json', 'text')
    .action((flags: PerfConsumeFlags) => perfConsume(flags));
}
