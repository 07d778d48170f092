import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { Producer } from '../../client/index.ts';
import type { Acks, ProducerOptions } from '../../client/index.ts';
import { BrookError } from '../../core/base/index.ts';
import type { CompressionName } from '../../core/records/index.ts';
import { DEFAULT_BOOTSTRAP } from '../common.ts';
import { startProgress } from '../progress.ts';

export { DEFAULT_BOOTSTRAP };

/** Faults of `brook produce` / `brook perf` that are the user's to fix, printed as one line by cli/main.ts. */
export const ProduceErrorCode = {
  USAGE: 'ERR_PRODUCE_USAGE',
  INPUT: 'ERR_PRODUCE_INPUT',
} as const;

const COMPRESSIONS: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function usage(message: string): BrookError {
  return new BrookError(ProduceErrorCode.USAGE, message);
}

export function parseAcks(value: string): Acks {
  switch (value) {
    case 'all':
    case '-1':
      return 'all';
    case '0':
      return 0;
    case '1':
      return 1;
    default:
      throw usage(`--acks must be 0, 1, all or -1, not '${value}'`);
  }
}

export function parseCompression(value: string): CompressionName {
  if (!COMPRESSIONS.includes(value)) throw usage(`--compression must be one of ${COMPRESSIONS.join(', ')}, not '${value}'`);
  return value as CompressionName;
}

/** Sizes, counts and times are int32 in Kafka's producer configs; larger values only fail later, less clearly. */
const MAX_COUNT = 2_147_483_647;

export function parseCount(flag: string, value: string, min: number): number {
  if (!/^-?[0-9]+$/.test(value) || Number(value) < min) throw usage(`${flag} must be an integer >= ${min}, not '${value}'`);
  if (Number(value) > MAX_COUNT) throw usage(`${flag} must be at most ${MAX_COUNT}, not ${value}`);
  return Number(value);
}

/** `k=v,k2=v2` as header pairs, in order. A value may be empty; a key may not. */
export function parseHeaders(value: string): { key: string; value: string }[] {
  if (value === '') return [];
  return value.split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw usage(`--headers takes k=v pairs separated by commas; '${pair}' is not one`);
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

interface ProduceFlags {
  bootstrapServer: string;
  keySeparator?: string;
  headers?: string;
  file?: string;
  acks: string;
  compression: string;
  lingerMs: string;
  batchSize?: string;
}

async function produce(topic: string, flags: ProduceFlags): Promise<void> {
  const headers = parseHeaders(flags.headers ?? '');
  const separator = flags.keySeparator;
  if (separator === '') throw usage('--key-separator must not be empty');
  const options: ProducerOptions = {
    bootstrapServers: flags.bootstrapServer,
    clientId: 'brook-produce',
    acks: parseAcks(flags.acks),
    compression: parseCompression(flags.compression),
    lingerMs: parseCount('--linger-ms', flags.lingerMs, 0),
    ...(flags.batchSize === undefined ? {} : { batchSize: parseCount('--batch-size', flags.batchSize, 1) }),
  };
  const source = flags.file ?? 'stdin';
  const input = flags.file === undefined ? process.stdin : fs.createReadStream(flags.file);
  const opened = new Promise<void>((resolve, reject) => {
    if (flags.file === undefined) {
      resolve();
      return;
    }
    input.once('open', () => {
      resolve();
    });
    input.once('error', (error: Error) => {
      reject(new BrookError(ProduceErrorCode.INPUT, `cannot read ${source}: ${error.message}`));
    });
  });
  await opened;
  const producer = new Producer(options);
  let firstError: Error | undefined;
  const remember = (error: unknown): void => {
    firstError ??= error instanceof Error ? error : new Error(String(error));
  };
  let read = 0;
  let acknowledged = 0;
  const acknowledge = (): void => {
    acknowledged++;
  };
  const progress = startProgress(() => `${read} records sent, ${acknowledged} acknowledged`, { readsStdin: flags.file === undefined });
  let inputError: Error | undefined;
  input.on('error', (error: Error) => {
    inputError = error;
  });
  try {
    await producer.connect();
    const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (firstError !== undefined) break;
      let key: string | null = null;
      let value = line;
      if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at < 0) throw new BrookError(ProduceErrorCode.INPUT, `line ${lineNumber} has no key separator '${separator}'`);
        key = line.slice(0, at);
        value = line.slice(at + separator.length);
      }
      read++;
      producer.send(headers.length === 0 ? { topic, key, value } : { topic, key, value, headers }).then(acknowledge, remember);
      if (producer.waitingRecords > 0) await producer.waitForRoom();
    }
    await producer.flush();
  } catch (error) {
    // A read that failed after the open (a directory, an I/O error) names the input.
    if (error !== undefined && error === inputError) throw new BrookError(ProduceErrorCode.INPUT, `cannot read ${source}: ${inputError.message}`);
    throw error;
  } finally {
    progress.stop();
    await producer.close().catch(remember);
  }
  if (firstError !== undefined) throw firstError;
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('send lines from stdin (or --file) to a topic as records, like kafka-console-producer')
    .argument('<topic>')
    .option('--bootstrap-server <servers>', 'host:port[,host:port] of the cluster', DEFAULT_BOOTSTRAP)
    .option('--key-separator <sep>', 'split each line at the first SEP into key and value')
    .option('--headers <k=v,...>', 'headers added to every record')
    .option('--file <file>', 'read lines from this file instead of stdin')
    .option('--acks <acks>', '0, 1 or all', 'all')
    .option('--compression <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--linger-ms <ms>', 'how long a batch waits for more records', '5')
    .option('--batch-size <bytes>', 'largest batch per partition in bytes')
    .action((topic: string, flags: ProduceFlags) => produce(topic, flags));
}
