/**
 * The broker as a child process (the real CLI, `brook broker`, run from the sources with tsx),
 * for tests that kill it with SIGKILL and start it again on the same data directory, which an
 * in-process broker (test/helpers/broker.ts) cannot survive.
 */
import { spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { waitFor } from './wait-for.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

/** One JSON line the broker logged on stdout. */
export interface BrokerLogLine {
  readonly msg?: unknown;
  readonly [field: string]: unknown;
}

export interface BrokerProcessOptions {
  readonly dataDir: string;
  /** A JSON config file (`--config`); flags given here override it. */
  readonly configFile?: string;
  /** 0 (the default) picks a free port; a restart passes the port of the first start, so clients find it again. */
  readonly port?: number;
  /** Added to the inherited environment; a variable set to undefined is removed from it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface BrokerProcess {
  readonly port: number;
  /** `127.0.0.1:port`, for clients' bootstrap servers. */
  readonly bootstrap: string;
  /** Every JSON line the broker printed, parsed, in order. */
  readonly lines: BrokerLogLine[];
  /** SIGKILL, as a crash: resolves once the process has exited. */
  kill(): Promise<void>;
}

/** Starts `brook broker` on 127.0.0.1 (killed at teardown) and resolves once it logs 'broker listening'. */
export async function startBrokerProcess(t: ExecutionContext, options: BrokerProcessOptions): Promise<BrokerProcess> {
  const args = ['--import=tsx', 'cli/main.ts', 'broker', '--data-dir', options.dataDir, '--port', String(options.port ?? 0), '--host', '127.0.0.1', '--advertised-host', '127.0.0.1', '--log-level', 'info'];
  if (options.configFile !== undefined) args.push('--config', options.configFile);
  const env = Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: BrokerLogLine[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as BrokerLogLine);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => {
      resolve();
    });
  });
  const listening = (): BrokerLogLine | undefined => lines.find((l) => l.msg === 'broker listening' && typeof l['port'] === 'number');
  await waitFor(() => listening() !== undefined, { timeoutMs: 30_000, describe: () => `a 'broker listening' line; stderr: ${stderr}`, gaveUp: () => child.exitCode !== null });
  const port = listening()!['port'] as number;
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    lines,
    kill: async () => {
      child.kill('SIGKILL');
      await closed;
    },
  };
}
