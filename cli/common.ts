import type { Command } from 'commander';
import { Admin } from '../client/index.ts';
import { BrookError } from '../core/base/index.ts';

/** Every command's `--bootstrap-server` default, as Kafka's tools assume. */
export const DEFAULT_BOOTSTRAP = 'localhost:9092';
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The options of the admin commands (`topics`, `groups`). */
export interface AdminFlags {
  readonly bootstrapServer: string;
  readonly timeout: string;
}

export function withAdminOptions(command: Command): Command {
  return command
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--timeout <ms>', 'how long to wait for the cluster, in milliseconds', String(DEFAULT_TIMEOUT_MS));
}

/** `--timeout`, checked before anything connects; `usageCode` is the calling command's. */
export function parseTimeout(value: string, usageCode: string): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) <= 0) {
    throw new BrookError(usageCode, `--timeout must be a positive number of milliseconds, not '${value}'`);
  }
  return Number(value);
}

/**
 * Runs `action` with a connected Admin and always closes it. `--timeout` bounds each request
 * and the retries of transient errors; connecting gives up sooner, after at most 10 s.
 */
export async function withAdmin(flags: AdminFlags, clientId: string, usageCode: string, action: (admin: Admin) => Promise<void>): Promise<void> {
  const timeoutMs = parseTimeout(flags.timeout, usageCode);
  const admin = new Admin({ bootstrapServers: flags.bootstrapServer, clientId, requestTimeoutMs: timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  try {
    await admin.connect();
    await action(admin);
  } finally {
    await admin.close();
  }
}

/**
 * The `perf` command group, created by whichever of `perf produce` (commands/perf.ts) and
 * `perf consume` (commands/perf-consume.ts) registers first.
 */
export function perfCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'perf') ?? program.command('perf').description('measure producer and consumer throughput and latency');
}
