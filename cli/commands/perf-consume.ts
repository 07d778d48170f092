import type { Command } from 'commander';
import { Consumer } from '../../client/index.ts';
import { BrookError } from '../../core/base/index.ts';
import { DEFAULT_BOOTSTRAP, perfCommand } from '../common.ts';
import { startProgress } from '../progress.ts';


interface PerfConsumeFlags {
  bootstrapServer: string;
  topic: string;
  messages: string;
  group?: string;
  fetchSize: string;
  format: string;
  timeout: string;
}

/** What the iterator race resolves with when no batch came within --timeout. */
const TIMED_OUT = Symbol('timed out');

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
  const timeoutMs = positive('--timeout', flags.timeout, 2_147_483_647);
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
    const progress = startProgress(() => `${records} of ${messages} records, ${Math.round(records / ((performance.now() - started) / 1000))} records/s`);
    // Like kafka-consumer-perf-test's --timeout: give up when no record arrives for this long, so
    // asking for more records than the topic holds ends instead of waiting forever.
    const iterator = consumer[Symbol.asyncIterator]();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      while (records < messages) {
        const next = iterator.next();
        const step = await Promise.race([
          next,
          new Promise<typeof TIMED_OUT>((resolve) => {
            timer = setTimeout(() => {
              resolve(TIMED_OUT);
            }, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (step === TIMED_OUT) {
          timedOut = true;
          break;
        }
        if (step.done === true) break;
        // Exactly --messages are counted, as kafka-consumer-perf-test does, even when the last batch holds more.
        const batch = step.value.records;
        const take = Math.min(batch.length, messages - records);
        for (let i = 0; i < take; i++) {
          const record = batch[i]!;
          bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0);
        }
        records += take;
      }
    } finally {
      clearTimeout(timer);
      progress.stop();
      await iterator.return?.();
    }
    const seconds = (performance.now() - started) / 1000;
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
    if (timedOut) {
      throw new BrookError('ERR_PERF_TIMEOUT', `read ${records} of ${messages} records: none arrived for ${timeoutMs} ms (--timeout); does the topic hold that many?`);
    }
  } finally {
    await consumer.close();
  }
}

/** Adds `consume` under the `perf` command. */
export function registerPerfConsume(program: Command): void {
  const perf = perfCommand(program);
  perf
    .command('consume')
    .description('consume records from the beginning of a topic and print records/s and MB/s (like kafka-consumer-perf-test)')
    .requiredOption('--topic <topic>', 'topic to read')
    .requiredOption('--messages <n>', 'how many records to read')
    .option('--group <group>', 'consume as a member of this group (default: assign every partition, no group)')
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--fetch-size <bytes>', 'max bytes per partition per fetch', String(1024 * 1024))
    .option('--format <format>', 'text or json', 'text')
    .option('--timeout <ms>', 'stop with an error when no record arrives for this long', '10000')
    .action((flags: PerfConsumeFlags) => perfConsume(flags));
}
